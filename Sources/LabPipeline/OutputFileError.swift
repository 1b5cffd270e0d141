import Foundation

/// Why a file the user named (`bundle -o FILE`, its signature) could not be written. The file
/// that was there before is always left as it was.
public enum OutputFileError: Error, CustomStringConvertible, LocalizedError, Equatable, ExitCodeProviding {
  /// The directory the file would go into does not exist.
  case directoryMissing(path: String, directory: String)
  /// A directory is where the file would go.
  case isDirectory(path: String)
  /// Writing or renaming the file failed.
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .directoryMissing(let path, let directory):
      return "cannot write \(path): the directory \(directory) does not exist; create it or name another file"
    case .isDirectory(let path):
      return "cannot write \(path): it is a directory; name a file (e.g. \(path)/run.tar.gz)"
    case .cannotWrite(let path, let reason):
      return "cannot write \(path): \(reason); check that its directory is writable and the disk is not"
        + " full (any previous \(path) is unchanged)"
    }
  }

  public var errorDescription: String? { description }

  /// Writing an output is a failed step: fix the cause and run the command again.
  public var exitCode: Int32 { LabrunExitCode.stepFailed }
}
