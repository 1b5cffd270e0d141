import Foundation

/// One host of a fleet as its page row shows it: its run, its exit status and, once its
/// exercises completed, its own validation report.
public struct FleetHostResult: Sendable, Hashable {
  /// How one host's run ended, the recap's categories.
  public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every exercise PASS.
    case allPass = "all-pass"
    /// At least one exercise FAIL.
    case anyFail = "fail"
    /// No FAIL, at least one INCONCLUSIVE.
    case inconclusive
    /// A step failed; rerunning the command resumes it.
    case stepFailed = "step-failed"
    /// The host could not be reached.
    case unreachable
    /// Stopped by Ctrl-C or SIGTERM at a resumable point.
    case interrupted
    /// Refused before it changed anything (a parameter, the run's state).
    case refused
    /// Not started yet (a fleet interrupted before this host's turn).
    case notStarted = "not-started"
    /// The command's phase finished and there are no verdicts (yet): `up`, `down`, or a lab
    /// without a validation page.
    case done

    /// The recap's words for this outcome.
    public var label: String {
      switch self {
      case .allPass: return "all PASS"
      case .anyFail: return "with a FAIL"
      case .inconclusive: return "INCONCLUSIVE (no FAIL)"
      case .stepFailed: return "stopped at a failed step"
      case .unreachable: return "unreachable"
      case .interrupted: return "interrupted"
      case .refused: return "refused"
      case .notStarted: return "not started"
      case .done: return "done"
      }
    }
  }

  /// The target as given (`sim/gpu-01`, `gpu-07`).
  public var host: String
  /// The host's run, once one was created.
  public var runID: String?
  /// The host's own exit status (the single-host table); nil when it has not run.
  public var exitStatus: Int32?
  /// Whether the host is the simulated GPU host (its page is SIMULATED, never VALIDATED).
  public var simulated: Bool
  /// The host's validation report, when its run got far enough to have evidence.
  public var report: ValidationReport?
  /// The step that failed, or what stopped the host, in one line.
  public var message: String?
  /// The host's own page, relative to the fleet page.
  public var page: String?

  public init(
    host: String, runID: String? = nil, exitStatus: Int32?, simulated: Bool, report: ValidationReport? = nil,
    message: String? = nil, page: String? = nil
  ) {
    self.host = host
    self.runID = runID
    self.exitStatus = exitStatus
    self.simulated = simulated
    self.report = report
    self.message = message
    self.page = page
  }

  /// The recap category: from the exit status, so the page and the exit status never disagree.
  /// A 0 says "all PASS" only with verdicts: after `up` or `down` (whose 0 says nothing about
  /// them) the host's verdicts, when it has any, decide, and without any it is `done`.
  public var outcome: Outcome {
    switch exitStatus {
    case nil: return .notStarted
    case 0?:
      guard let report, !report.exercises.isEmpty else { return .done }
      switch report.exercisesExitCode {
      case LabrunExitCode.exercisesFailed: return .anyFail
      case LabrunExitCode.exercisesInconclusive: return .inconclusive
      default: return .allPass
      }
    case LabrunExitCode.exercisesFailed?: return .anyFail
    case LabrunExitCode.exercisesInconclusive?: return .inconclusive
    case LabrunExitCode.stepFailed?: return .stepFailed
    case LabrunExitCode.targetFailed?: return .unreachable
    case LabrunExitCode.interrupted?: return .interrupted
    default: return .refused
    }
  }

  /// The page status of a real host whose exercises completed (VALIDATED, FAILED, INCOMPLETE).
  public var pageStatus: ValidationStatus? {
    guard !simulated, let report, !report.exercises.isEmpty else { return nil }
    return report.status
  }
}
