import CLibSSH2
import Foundation

/// Process-wide libssh2 initialisation and the one place return codes become errors.
enum LibSSH2 {
  static let eagain = Int32(LIBSSH2_ERROR_EAGAIN)

  /// libssh2_init, once per process (thread-safe via a static let).
  static let initialized: Bool = libssh2_init(0) == 0

  /// The session's last error message, for an error built from a failed call.
  static func lastError(_ session: OpaquePointer?) -> (code: Int32, message: String) {
    guard let session else { return (0, "no session") }
    var message: UnsafeMutablePointer<CChar>?
    var length: Int32 = 0
    let code = libssh2_session_last_error(session, &message, &length, 0)
    guard let message, length > 0 else { return (code, "error \(code)") }
    let text = message.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
      String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
    }
    return (code, text)
  }

  /// Turns a failed libssh2 call into an ``SSHError`` carrying its message.
  static func error(_ call: String, _ session: OpaquePointer?, code: Int32? = nil) -> SSHError {
    let last = lastError(session)
    return .libssh2(call: call, code: code ?? last.code, message: last.message)
  }

  /// Whether a libssh2 error code means the connection itself is gone.
  static func isConnectionError(_ code: Int32) -> Bool {
    switch code {
    case Int32(LIBSSH2_ERROR_SOCKET_NONE), Int32(LIBSSH2_ERROR_SOCKET_SEND), Int32(LIBSSH2_ERROR_SOCKET_RECV),
      Int32(LIBSSH2_ERROR_SOCKET_DISCONNECT), Int32(LIBSSH2_ERROR_SOCKET_TIMEOUT),
      Int32(LIBSSH2_ERROR_TIMEOUT):
      return true
    default:
      return false
    }
  }

  /// Sends EOF on `channel` without blocking: sets `sent` and `progressed` when libssh2 took it;
  /// returns libssh2's error code when it failed (EAGAIN is none: call again once the socket is
  /// ready).
  static func sendEOF(_ channel: OpaquePointer, sent: inout Bool, progressed: inout Bool) -> Int32? {
    let rc = libssh2_channel_send_eof(channel)
    if rc == 0 {
      sent = true
      progressed = true
      return nil
    }
    return rc == eagain ? nil : rc
  }

  /// One non-blocking write of `bytes[offset...]` (at most `limit` of them) to the channel's
  /// standard input: the count written, ``eagain`` (as an Int) when it takes nothing now, or
  /// another negative libssh2 error.
  static func write(_ channel: OpaquePointer, _ bytes: [UInt8], from offset: Int, limit: Int = .max) -> Int {
    bytes.withUnsafeBytes { buffer in
      libssh2_channel_write_ex(
        channel, 0, buffer.baseAddress?.advanced(by: offset).assumingMemoryBound(to: CChar.self),
        min(bytes.count - offset, limit))
    }
  }
}
