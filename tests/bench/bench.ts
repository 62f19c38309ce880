/** What every scenario gets: the servers under test, a scratch folder, the report. */
import type { Nginx } from "./nginx.ts";
import type { Remise } from "./remise.ts";
import type { Report } from "./table.ts";

export interface Bench {
  /** Scratch folder, removed at the end. */
  dir: string;
  /** Files nginx serves under /files/ and Remise holds as objects. */
  files: string;
  remise: Remise;
  /** null when nginx is not installed: reference cells then say so. */
  nginx: Nginx | null;
  report: Report;
  /** Objects in the ListObjectsV2 bucket (100,000 unless `--objects`). */
  objects: number;
  /** Length of each wrk run. */
  seconds: number;
  /** Progress line while the bench runs (the table comes at the end). */
  log(msg: string): void;
}

export const NO_NGINX = "n/a (no nginx)";
