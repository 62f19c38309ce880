/** A command failure: its message is printed to stderr and the process exits with status 1. */
export class CliError extends Error {}
