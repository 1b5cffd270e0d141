import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Writes files so that a reader (or a labrun killed mid-write) sees either the old or the
/// new content, never a torn file: the bytes go to a temporary file in the same directory,
/// are flushed to disk, and the temporary file is renamed over the target.
public enum AtomicFile {
  /// Replaces `url`'s content with `data`, creating parent directories as needed.
  public static func write(_ data: Data, to url: URL) throws {
    let directory = url.deletingLastPathComponent()
    try createDirectory(directory)
    let temporary = directory.appendingPathComponent(
      ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp")
    do {
      try writeFlushed(data, to: temporary)
    } catch AtomicFileError.cannotWrite(_, let code) {
      throw AtomicFileError.cannotWrite(path: url.path, errno: code)
    }
    if rename(temporary.path, url.path) != 0 {
      let failure = errno
      unlink(temporary.path)
      throw AtomicFileError.cannotWrite(path: url.path, errno: failure)
    }
  }

  /// Creates `url` (which must not exist) holding `data`, flushed to disk; removes it again
  /// when that fails.
  static func writeFlushed(_ data: Data, to url: URL) throws {
    let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw AtomicFileError.cannotWrite(path: url.path, errno: errno) }
    var failure: Int32 = 0
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
      var offset = 0
      while offset < buffer.count, let base = buffer.baseAddress {
        let written = Foundation.write(fd, base + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += written
      }
    }
    if failure == 0, fsync(fd) != 0 { failure = errno }
    close(fd)
    if failure != 0 {
      unlink(url.path)
      throw AtomicFileError.cannotWrite(path: url.path, errno: failure)
    }
  }

  /// Creates `directory` and any missing parent.
  /// - Throws: ``AtomicFileError/cannotCreateDirectory(path:reason:)``, saying why in words.
  public static func createDirectory(_ directory: URL) throws {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw AtomicFileError.cannotCreateDirectory(
        path: directory.path, reason: FileProblem.reason(error, path: directory.path))
    }
  }

  /// Encodes `value` as pretty, key-sorted JSON and writes it atomically.
  public static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
    var data = try JSONEncoder.labrun.encode(value)
    data.append(0x0A)
    try write(data, to: url)
  }
}

/// Why a file could not be written.
public enum AtomicFileError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// Creating, writing or renaming the temporary file failed.
  case cannotWrite(path: String, errno: Int32)
  /// A directory (or one above it) could not be created.
  case cannotCreateDirectory(path: String, reason: String)

  public var description: String {
    switch self {
    case .cannotWrite(let path, let code):
      return "cannot write \(path): \(String(cString: strerror(code))); check the directory exists, "
        + "is writable and the disk is not full"
    case .cannotCreateDirectory(let path, let reason):
      return "cannot create the directory \(path): \(reason); check that every directory above it is a "
        + "writable directory (LABRUN_HOME sets where labrun keeps its state)"
    }
  }

  public var errorDescription: String? { description }
}

extension JSONEncoder {
  /// The encoder for every JSON file labrun writes: sorted keys, ISO 8601 dates in UTC.
  public static var labrun: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return encoder
  }

  /// Like ``labrun`` but on one line and with milliseconds (transcript.jsonl).
  public static var labrunLine: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .custom { date, encoder in
      let formatter = ISO8601DateFormatter()
      formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
      var container = encoder.singleValueContainer()
      try container.encode(formatter.string(from: date))
    }
    return encoder
  }
}

extension JSONDecoder {
  /// The decoder matching ``Foundation/JSONEncoder/labrun``.
  /// Accepts ISO 8601 dates with or without fractional seconds.
  public static var labrun: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { decoder in
      let container = try decoder.singleValueContainer()
      let text = try container.decode(String.self)
      let formatter = ISO8601DateFormatter()
      if let date = formatter.date(from: text) { return date }
      formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
      if let date = formatter.date(from: text) { return date }
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "not an ISO 8601 date: \(text)")
    }
    return decoder
  }
}

extension AtomicFileError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.runStateFailed }
}
