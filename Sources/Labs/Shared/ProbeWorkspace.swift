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

  /// The workspace the stage step made, from the ledger.
  static func staged(_ ctx: StepContext) throws -> Self {
    try ctx.output(Self.self, of: "stage")
  }
}

/// The shell commands tenant processes run under.
enum ProbeShell {
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
