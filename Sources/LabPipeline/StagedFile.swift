import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file that a user named (`bundle -o FILE`, its `.sig`) being written under a temporary
/// name in the same directory: the previous file stays as it was until ``commit()`` renames the
/// finished one over it in one step, and ``discard()`` leaves no trace of a failed write.
public struct StagedFile: Sendable {
  /// Where the file goes.
  public let destination: URL
  /// Where it is written meanwhile: a hidden name beside ``destination``, so the rename stays
  /// on one file system.
  public let temporary: URL

  /// Stages a write of `destination`; creates nothing yet.
  /// - Throws: ``OutputFileError`` when `destination` is a directory or its directory is missing.
  public init(for destination: URL) throws {
    let destination = destination.standardizedFileURL
    let directory = destination.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
      throw OutputFileError.directoryMissing(path: destination.path, directory: directory.path)
    }
    guard isDirectory.boolValue else {
      throw OutputFileError.cannotWrite(
        path: destination.path, reason: "\(directory.path) is not a directory")
    }
    if FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    {
      throw OutputFileError.isDirectory(path: destination.path)
    }
    self.destination = destination
    self.temporary = directory.appendingPathComponent(
      ".\(destination.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp"
    )
  }

  /// Writes `data` to the temporary file, flushed to disk.
  public func write(_ data: Data) throws {
    do {
      try AtomicFile.writeFlushed(data, to: temporary)
    } catch let AtomicFileError.cannotWrite(_, code) {
      throw OutputFileError.cannotWrite(path: destination.path, reason: FileProblem.posixReason(code))
    }
  }

  /// Puts the finished temporary file in place of ``destination`` (rename(2): a reader sees the
  /// old file or the new one, never neither).
  public func commit() throws {
    guard rename(temporary.path, destination.path) == 0 else {
      let code = errno
      discard()
      throw OutputFileError.cannotWrite(path: destination.path, reason: FileProblem.posixReason(code))
    }
  }

  /// Removes the temporary file, if any; ``destination`` is untouched.
  public func discard() {
    unlink(temporary.path)
  }
}
