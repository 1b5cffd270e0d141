/// Failures the transport handles itself before they reach a caller.
enum SessionFailure: Error {
  /// The connection failed before the command started: safe to reconnect and retry.
  case notStarted(detail: String)
  /// `sudo -n` refused for want of a password.
  case sudoNeedsPassword
}
