import Foundation

/// The verdicts in a few lines, for `labrun verify` (stdout) and `run` / `exercises` (stderr).
extension ValidationReport {
  /// One line per exercise: number, verdict, title, reason, and the files it cites.
  public var exerciseLines: [String] {
    exercises.map { exercise in
      let files = exercise.evidence.map(\.file).joined(separator: ", ")
      let verdict = exercise.verdict.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
      return "\(exercise.id) \(verdict) \(exercise.title): \(exercise.reason) [\(files)]"
    }
  }

  /// `STATUS: FAILED - exercise 2 failed: …`.
  public var statusSummary: String {
    "STATUS: \(status.rawValue)"
      + (statusReasons.isEmpty ? "" : " - " + statusReasons.joined(separator: "; "))
  }

  /// The exit status of `run` and `exercises` for these verdicts: 0, 5 (any FAIL) or 6 (any
  /// INCONCLUSIVE, no FAIL), whatever the overall status (a simulated run's verdicts count).
  public var exercisesExitCode: Int32 { LabrunExitCode.forVerdicts(exercises.map(\.verdict)) }

  /// `3 PASS, 2 FAIL` in exercise-verdict order of appearance.
  public var verdictCounts: String {
    Verdict.allCases.compactMap { verdict in
      let count = exercises.filter { $0.verdict == verdict }.count
      return count == 0 ? nil : "\(count) \(verdict.rawValue)"
    }.joined(separator: ", ")
  }
}
