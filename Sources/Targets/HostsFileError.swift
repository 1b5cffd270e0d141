import Foundation
import LabPipeline

/// Why `--hosts FILE` was refused; nothing has started when it is.
public enum HostsFileError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The file cannot be read.
  case unreadable(path: String)
  /// The file is not UTF-8 text.
  case notText(path: String)
  /// A line is not `TARGET [key=value …]`.
  case malformed(path: String, line: Int, column: Int, reason: String)
  /// No host in the file (only comments and blank lines).
  case empty(path: String)

  public var description: String {
    switch self {
    case .unreadable(let path):
      return "--hosts \(path): cannot read the file; check the path and its permissions"
    case .notText(let path):
      return "--hosts \(path): not UTF-8 text; write one host a line (e.g. sim/gpu-01 or user@host)"
    case .malformed(let path, let line, let column, let reason):
      return "\(path):\(line):\(column): \(reason)"
    case .empty(path: let path):
      return "--hosts \(path): no host in the file; write one host a line (e.g. sim/gpu-01 or user@host)"
    }
  }

  public var errorDescription: String? { description }
}

extension HostsFileError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.usage }
}
