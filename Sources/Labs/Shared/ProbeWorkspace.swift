import Foundation
import LabPipeline

/// The private directory (`mktemp -d`) a tenant lab stages its probes in on the host, and the
/// shell the tenants run under: every tenant command bounded, started in the background with a
/// log and pid file, and waited for. Each lab's workspace (``HAMiCoreWorkspace``,
/// ``MPSWorkspace``) adds its mechanism's files and environment; its ledger record stays
/// `{"directory": …}`.
protocol ProbeWorkspace: Sendable, Hashable, Codable {
  /// The directory `mktemp -d` made.
  var directory: String { get }
  init(directory: String)
}

extension ProbeWorkspace {
  var memoryProbe: String { directory + "/memory-probe" }
  var throughputProbe: String { directory + "/throughput-probe" }
  func file(_ name: String) -> String { directory + "/" + name }

  /// Stops what an earlier attempt left running here (``ProbeShell/stopRecorded(in:report:)``):
  /// every exercise step that runs probes starts with it, so no probe of a failed attempt runs
  /// beside this attempt's.
  var stopEarlierAttempts: RemoteCommand {
    RemoteCommand(ProbeShell.stopRecorded(in: directory), timeout: .seconds(60))
  }

  /// The workspace the stage step made, from the ledger.
  static func staged(_ ctx: StepContext) throws -> Self {
    try ctx.output(Self.self, of: "stage")
  }
}

/// The shell commands tenant processes run under.
enum ProbeShell {
  /// Stops what the lab started in `directory` and recorded in its `*.pid` files, removing each
  /// file: every recorded process still alive whose command line names the directory (a pid the
  /// kernel gave to another process since is left alone), with its whole process group (the
  /// command that started it in the background: a probe under `timeout`, the stamping pipes) — TERM,
  /// then KILL after 5 s. With `report`, prints `pid N` for each file.
  ///
  /// An exercise step runs it first: a failed attempt's background processes (a memory probe
  /// holding its slice, a pair still measuring) outlive the command the transport stopped, and would
  /// run beside the rerun's measurements.
  static func stopRecorded(in directory: String, report: Bool = false) -> String {
    "d=\(ShellQuote.quote(directory)); if [ -d \"$d\" ]; then for f in \"$d\"/*.pid; do [ -f \"$f\" ] || continue; "
      + "p=$(cat \"$f\"); \(report ? "echo \"pid $p\"; " : "")"
      + "if [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null && grep -qaF -- \"$d\" \"/proc/$p/cmdline\" 2>/dev/null; then "
      + "s=$(cat \"/proc/$p/stat\" 2>/dev/null); s=${s##*) }; set -- $s; g=${3:-0}; "
      + "m=$(cat /proc/$$/stat); m=${m##*) }; set -- $m; "
      + "if [ \"$g\" -gt 1 ] && [ \"$g\" != \"$3\" ]; then kill -TERM -\"$g\" 2>/dev/null; else g=; fi; "
      + "kill -TERM \"$p\" 2>/dev/null; n=0; "
      + "while kill -0 \"$p\" 2>/dev/null && [ $n -lt 25 ]; do n=$((n+1)); sleep 0.2; done; "
      + "if kill -0 \"$p\" 2>/dev/null; then [ -z \"$g\" ] || kill -KILL -\"$g\" 2>/dev/null; kill -KILL \"$p\"; fi; "
      + "fi; rm -f \"$f\"; done; fi"
  }

  /// `command`, stopped (TERM, then KILL 10 s later) after `seconds`: a hung tenant ends as a
  /// result in the evidence (exit 124), not as a step that times out without a page.
  static func bounded(_ seconds: Int, _ command: String) -> String {
    "timeout -k 10 \(seconds) \(command)"
  }

  /// Starts `command` in the background with its output in `log` and its pid in `pid`.
  static func background(_ command: String, log: String, pid: String) -> String {
    "\(command) >\(ShellQuote.quote(log)) 2>&1 </dev/null & echo $! >\(ShellQuote.quote(pid))"
  }

  /// Waits (polling, at most `seconds`) until each log shows `pattern` or its process is gone;
  /// exits 1 if the time runs out.
  static func waitFor(_ pattern: String, logs: [(log: String, pid: String)], seconds: Int) -> String {
    let checks = logs.map { entry in
      "{ grep -q \(ShellQuote.quote(pattern)) \(ShellQuote.quote(entry.log)) || "
        + "! kill -0 \"$(cat \(ShellQuote.quote(entry.pid)))\" 2>/dev/null; }"
    }.joined(separator: " && ")
    return "n=0; until \(checks); do n=$((n+1)); if [ $n -gt \(seconds * 5) ]; then "
      + "echo 'gave up waiting for \(pattern) after \(seconds) s' >&2; exit 1; fi; sleep 0.2; done"
  }

  /// Waits (polling, at most `seconds`) until every process in `pids` has exited.
  static func waitExit(pids: [String], seconds: Int) -> String {
    let alive = pids.map { "kill -0 \"$(cat \(ShellQuote.quote($0)))\" 2>/dev/null" }.joined(
      separator: " || ")
    return "n=0; while \(alive); do n=$((n+1)); if [ $n -gt \(seconds * 5) ]; then "
      + "echo 'tenants still running after \(seconds) s' >&2; exit 1; fi; sleep 0.2; done"
  }
}
