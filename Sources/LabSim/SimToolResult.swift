import Foundation

/// What one simulated command does: print and exit, or hand over to a real program.
public enum SimToolResult: Sendable, Equatable {
  case exit(stdout: String, stderr: String, status: Int32)
  /// Replace the process with `path` (a real whitelisted program, or a command run by sudo).
  case exec(path: String, arguments: [String])

  static func ok(_ stdout: String = "") -> SimToolResult { .exit(stdout: stdout, stderr: "", status: 0) }
  static func fail(_ stderr: String, status: Int32 = 1, stdout: String = "") -> SimToolResult {
    .exit(stdout: stdout, stderr: stderr, status: status)
  }
}
