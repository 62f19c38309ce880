/** Entry point of the console bundle (esbuild: console/build.ts → console/dist/app.js). */
import { render } from "preact";
import { App } from "./app.tsx";

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App />, root);
}
