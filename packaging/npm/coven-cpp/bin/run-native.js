// Finds the native binary in the platform package that fits this machine and runs it with
// the same arguments, standard streams, exit code and signals, so `coven` behaves exactly
// as the binary does (its terminal handling included: stdio is inherited, not piped).
"use strict";
const { spawn } = require("child_process");
const path = require("path");

const PLATFORMS = { "linux x64": "coven-cpp-linux-x64" };

function nativeBinary(name) {
  const key = `${process.platform} ${process.arch}`;
  const pkg = PLATFORMS[key];
  if (!pkg) {
    return { error: `coven: no native build for ${key}; supported: ${Object.keys(PLATFORMS).join(", ")}. Build from source: see the README.` };
  }
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`));
    return { file: path.join(dir, "bin", name) };
  } catch (e) {
    return { error: `coven: the platform package ${pkg} is not installed (it is an optional dependency of coven-cpp; reinstall with optional dependencies, e.g. \`npm install -g coven-cpp\` without --omit=optional)` };
  }
}

module.exports = function runNative(name) {
  const found = nativeBinary(name);
  if (found.error) {
    process.stderr.write(found.error + "\n");
    process.exit(127);
  }
  const child = spawn(found.file, process.argv.slice(2), { stdio: "inherit" });
  // Signals sent to the wrapper (kill, systemd, a terminal's SIGHUP) go to the binary; a
  // Ctrl-C from the terminal reaches both through the process group, and the wrapper waits
  // for the binary's own decision.
  const forward = ["SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"];
  for (const sig of forward) {
    process.on(sig, () => {
      if (sig !== "SIGINT" && sig !== "SIGQUIT" && sig !== "SIGWINCH") child.kill(sig);
    });
  }
  child.on("error", (e) => {
    process.stderr.write(`coven: cannot run ${found.file}: ${e.message}\n`);
    process.exit(126);
  });
  child.on("exit", (code, signal) => {
    if (signal) {
      // Die of the same signal, so a caller sees what the binary saw.
      for (const sig of forward) process.removeAllListeners(sig);
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code);
  });
};
