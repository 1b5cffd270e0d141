import Foundation

/// The exit status of a command over a fleet, from each host's own exit status.
///
/// 0 only when every host's is 0; otherwise the first of 130 (interrupted), 5 (a FAIL: the
/// evidence contradicts isolation), 1 (a step failed), 3 (unreachable), 6 (INCONCLUSIVE) that
/// any host has; otherwise (a host refused with 2, 4 or 64, which the fleet checks before
/// anything starts make rare) the highest status a host has, so it is never 0.
public enum FleetExitStatus {
  /// The order in which a host's status decides the fleet's.
  public static let precedence: [Int32] = [
    LabrunExitCode.interrupted, LabrunExitCode.exercisesFailed, LabrunExitCode.stepFailed,
    LabrunExitCode.targetFailed, LabrunExitCode.exercisesInconclusive,
  ]

  public static func combine(_ statuses: [Int32]) -> Int32 {
    let failing = statuses.filter { $0 != 0 }
    guard !failing.isEmpty else { return 0 }
    if let first = precedence.first(where: failing.contains) { return first }
    return failing.max() ?? LabrunExitCode.stepFailed
  }
}
