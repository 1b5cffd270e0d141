import Foundation
import LabPipeline

/// The simulated host could not be set up.
public enum SimulatedHostError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `sim:PROFILE` names no known card.
  case unknownProfile(String, known: [String])
  /// `sim_scenario` names no known scenario.
  case unknownScenario(String, known: [String])
  /// labrun's own executable, which the simulated tools are links to, cannot be found.
  case toolMissing(path: String)
  /// Creating the host's directory failed.
  case setupFailed(directory: String, detail: String)
  /// A setup command failed.
  case commandFailed(String)

  public var description: String {
    switch self {
    case .unknownProfile(let name, let known):
      return
        "unknown simulated card '\(name)'; use one of \(known.joined(separator: ", ")) (e.g. --host sim:l4-24gb)"
    case .unknownScenario(let name, let known):
      return "unknown sim_scenario '\(name)'; use one of \(known.joined(separator: ", "))"
    case .toolMissing(let path):
      return "labrun's own executable \(path) cannot be run; the simulated host's tools are links to it, "
        + "so run labrun from an executable file (not a deleted or unreadable one)"
    case .setupFailed(let directory, let detail):
      return "could not set up the simulated host in \(directory): \(detail)"
    case .commandFailed(let detail):
      return "simulated host setup failed: \(detail)"
    }
  }

  public var errorDescription: String? { description }
}

extension SimulatedHostError: ExitCodeProviding {
  /// An unknown profile or scenario is a wrong lab parameter (2), whichever command reads it;
  /// a host that cannot be set up is an unreachable target (3).
  public var exitCode: Int32 {
    switch self {
    case .unknownProfile, .unknownScenario: return LabrunExitCode.labInvalid
    case .toolMissing, .setupFailed, .commandFailed: return LabrunExitCode.targetFailed
    }
  }
}
