#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One account of the password database, read with the reentrant `getpwuid_r`/`getpwnam_r`:
/// `getpwuid` and `getpwnam` return libc's one static record, which a lookup on another thread
/// (a fleet's hosts open their transports at once) rewrites while it is read.
struct PasswordEntry: Sendable, Equatable {
  var name: String
  var home: String

  /// The account of `uid`; nil when there is none.
  init?(uid: uid_t) {
    guard let entry = Self.lookUp({ getpwuid_r(uid, $0, $1, $2, $3) }) else { return nil }
    self = entry
  }

  /// The account called `name`; nil when there is none.
  init?(name: String) {
    guard let entry = Self.lookUp({ getpwnam_r(name, $0, $1, $2, $3) }) else { return nil }
    self = entry
  }

  private init(name: String, home: String) {
    self.name = name
    self.home = home
  }

  /// Calls `lookup` with a record, a buffer (grown while libc says it is too small) and the
  /// result pointer; copies what it found.
  private static func lookUp(
    _ lookup: (
      UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int,
      UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>
    ) -> Int32
  ) -> PasswordEntry? {
    var size = 1024
    while size <= 1 << 20 {
      var record = passwd()
      var found: UnsafeMutablePointer<passwd>?
      let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
      defer { buffer.deallocate() }
      let status = lookup(&record, buffer, size, &found)
      if status == ERANGE {
        size *= 2
        continue
      }
      guard status == 0, let found, let name = found.pointee.pw_name, let home = found.pointee.pw_dir else {
        return nil
      }
      return PasswordEntry(name: String(cString: name), home: String(cString: home))
    }
    return nil
  }
}
