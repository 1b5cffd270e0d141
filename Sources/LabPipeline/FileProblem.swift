import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why reading or writing a file failed, in a few plain words for an error message that also
/// names the path and the fix. Foundation's own text ("The operation could not be completed.
/// The file doesn't exist.") names neither, so it never reaches a user.
public enum FileProblem {
  /// The reason behind `error`, a Foundation or POSIX error from reading or writing `path`:
  /// "no such file", "permission denied", "is a directory", "not UTF-8 text", ….
  public static func reason(_ error: any Error, path: String) -> String {
    let error = error as NSError
    // On Linux the underlying error is a Swift value: `as? NSError` alone does not bridge it.
    if let underlying = (error.userInfo[NSUnderlyingErrorKey] as? any Error).map({ $0 as NSError }),
      underlying.domain == NSPOSIXErrorDomain
    {
      return reason(posix: Int32(underlying.code), path: path)
    }
    if error.domain == NSPOSIXErrorDomain { return reason(posix: Int32(error.code), path: path) }
    guard error.domain == NSCocoaErrorDomain else { return fallback(path: path) }
    switch CocoaError.Code(rawValue: error.code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: return missingReason(path: path)
    case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
    case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "not UTF-8 text"
    case .fileReadTooLarge: return "too large to read"
    case .fileWriteOutOfSpace: return "the disk is full"
    case .fileWriteVolumeReadOnly: return "the file system is read-only"
    case .fileWriteFileExists: return "something already exists there"
    default: return fallback(path: path)
    }
  }

  /// A missing or misplaced directory on the way is named; other errors in strerror's words.
  static func reason(posix code: Int32, path: String) -> String {
    code == ENOENT || code == ENOTDIR ? missingReason(path: path) : posixReason(code)
  }

  /// The text of a POSIX error number, lower-cased like the rest of labrun's messages.
  public static func posixReason(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    guard let first = text.first else { return "error \(code)" }
    return first.lowercased() + text.dropFirst()
  }

  /// Foundation says "no such file" also when a directory on the way is missing or is a file:
  /// name the first part of the path that is not what it should be.
  private static func missingReason(path: String) -> String {
    var ancestor = (path as NSString).deletingLastPathComponent
    var missing: String?
    while !ancestor.isEmpty, ancestor != "/" {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: ancestor, isDirectory: &isDirectory) {
        if !isDirectory.boolValue { return "\(ancestor) is not a directory" }
        break
      }
      missing = ancestor
      ancestor = (ancestor as NSString).deletingLastPathComponent
    }
    return missing.map { "no such file (\($0) does not exist)" } ?? "no such file"
  }

  /// What the file system says about `path` when the error itself says nothing useful.
  private static func fallback(path: String) -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      return missingReason(path: path)
    }
    if isDirectory.boolValue { return "is a directory, not a file" }
    return FileManager.default.isReadableFile(atPath: path) ? "an I/O error" : "permission denied"
  }
}
