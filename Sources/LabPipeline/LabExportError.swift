import Foundation

/// Why `labrun labs export` wrote nothing, or not everything.
public enum LabExportError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The name is not one of the labs compiled into labrun.
  case notBuiltIn(name: String, known: [String])
  /// Files of the lab already exist in the target directory.
  case wouldOverwrite(lab: String, paths: [String])
  /// A file could not be written.
  case cannotWrite(path: String, detail: String)

  public var description: String {
    switch self {
    case .notBuiltIn(let name, let known):
      return "no built-in lab '\(name)'; built-in labs: \(known.joined(separator: ", "))"
    case .wouldOverwrite(let lab, let paths):
      return "not exporting \(lab): \(paths.joined(separator: ", ")) already exist"
        + "; export into an empty or new directory"
    case .cannotWrite(let path, let detail):
      return "cannot write \(path): \(detail)"
    }
  }

  public var errorDescription: String? { description }
}

extension LabExportError: ExitCodeProviding {
  public var exitCode: Int32 {
    switch self {
    case .notBuiltIn: return LabrunExitCode.labInvalid
    // The directory named on the command line already holds the lab: a command-line mistake.
    case .wouldOverwrite: return LabrunExitCode.usage
    case .cannotWrite: return LabrunExitCode.stepFailed
    }
  }
}
