import Foundation

/// The witness that a probe ran under a mechanism served by a daemon (MPS): its pid among the
/// clients the daemon logged (`NEW CLIENT N` in control.log). A client whose pipe directory has no
/// daemon runs without the mechanism, unlimited and silently, so a probe the daemon never saw
/// says nothing of the mechanism's limits, whatever its figures (docs/design.md: setup first).
enum DaemonClientWitness {
  /// The gap to note when `connected` (nil: no daemon log to judge by) does not list `pid`;
  /// nil when the probe is witnessed or there is nothing to judge by.
  static func gap(
    who: String, pid: Int?, connected: Set<Int>?, mechanism: String, file: String, about: String
  )
    -> String?
  {
    guard let connected else { return nil }
    guard let pid else {
      return
        "\(who) printed no pid to match against \(mechanism)'s control.log in \(file): nothing shows it ran "
        + "under \(mechanism), so \(about)"
    }
    guard !connected.contains(pid) else { return nil }
    return "\(who) (pid \(pid)) never connected to \(mechanism) (control.log lists no NEW CLIENT \(pid)) in "
      + "\(file): nothing shows it ran under \(mechanism), so \(about)"
  }
}
