import Foundation

/// A `sim_scenario` the lab does not have.
public enum LabScenarioError: Error, CustomStringConvertible, LocalizedError, Equatable, ExitCodeProviding {
  /// `scenario` is not one of `lab`'s (it is unknown, or another lab's).
  case notForLab(scenario: String, lab: String, scenarios: [String])

  public var description: String {
    switch self {
    case .notForLab(let scenario, let lab, let scenarios):
      return
        "unknown sim_scenario '\(scenario)' for lab \(lab) (a scenario of another lab would be ignored); "
        + "use one of \(scenarios.joined(separator: ", "))"
    }
  }

  public var errorDescription: String? { description }
  public var exitCode: Int32 { LabrunExitCode.labInvalid }
}
