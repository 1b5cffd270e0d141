import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A session's socket as libssh2 sees it, through its send and receive callbacks: received
/// bytes are counted, and a send is never left partly done.
///
/// libssh2 keeps one partly sent packet per session and refuses (LIBSSH2_ERROR_BAD_USE) any
/// other send until the same call is repeated to finish it, so with many channels on one
/// connection, a channel whose packet went out in part would block all the others, and a read
/// that must send a window adjustment could not proceed. Instead, once the session loop runs,
/// what the socket cannot take at once is kept here and written as the socket drains: every
/// send libssh2 makes completes whole. What is kept is bounded by SSH flow control (no channel
/// sends past the window its peer granted). Before the loop (handshake, authentication, in
/// libssh2's blocking mode) and for the final disconnect, sends wait for the socket instead.
final class SessionIO {
  /// Bytes libssh2 has read from the socket: any change means the host spoke.
  var bytesReceived = 0
  /// Keep what the socket cannot take yet (the session loop runs) rather than wait for it.
  var buffering = false
  private var pending: [UInt8] = []
  private var pendingStart = 0
  /// The errno of a failed send; every later send fails with it.
  private(set) var sendError: Int32?

  /// Whether bytes are waiting for the socket.
  var hasPending: Bool { pendingStart < pending.count }

  /// One send of `bytes[offset...]` to `socket` without SIGPIPE: the count sent, or -1 with
  /// errno set.
  static func send(_ bytes: [UInt8], from offset: Int, to socket: Int32) -> Int {
    bytes.withUnsafeBytes { buffer in
      Glibc.send(socket, buffer.baseAddress?.advanced(by: offset), bytes.count - offset, Int32(MSG_NOSIGNAL))
    }
  }

  /// Writes what is pending, as much as the socket takes now; false once sending failed.
  @discardableResult
  func flush(_ socket: Int32) -> Bool {
    while sendError == nil, pendingStart < pending.count {
      let sent = Self.send(pending, from: pendingStart, to: socket)
      if sent > 0 {
        pendingStart += sent
      } else if sent < 0, errno == EINTR {
        continue
      } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
        break
      } else {
        sendError = sent < 0 ? errno : EPIPE
      }
    }
    if pendingStart == pending.count {
      pending.removeAll(keepingCapacity: pending.count <= 1 << 20)
      pendingStart = 0
    } else if pendingStart > 1 << 20 {
      pending.removeFirst(pendingStart)
      pendingStart = 0
    }
    return sendError == nil
  }

  /// Writes everything pending, waiting for the socket up to `timeout` (blocking phases).
  func flushWaiting(_ socket: Int32, timeout: Duration) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while flush(socket), hasPending {
      let remaining = ContinuousClock.now.duration(to: deadline)
      guard remaining > .zero else {
        sendError = ETIMEDOUT
        return false
      }
      var descriptor = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
      _ = poll(&descriptor, 1, Int32(max(1, min(remaining.seconds * 1000, 60_000))))
    }
    return sendError == nil
  }

  /// libssh2's send: takes all of `length`, or fails.
  fileprivate func send(_ socket: Int32, _ buffer: UnsafeRawPointer?, _ length: Int) -> Int {
    if let sendError { return -Int(sendError) }
    guard let buffer, length > 0 else { return 0 }
    pending.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
    let taken = buffering ? flush(socket) : flushWaiting(socket, timeout: .seconds(30))
    return taken ? length : -Int(sendError ?? EPIPE)
  }

  /// Installs the callbacks on `session`; `abstract` is this object's retained pointer given
  /// to `libssh2_session_init_ex`.
  static func install(on session: OpaquePointer) {
    _ = libssh2_session_callback_set(
      session, LIBSSH2_CALLBACK_RECV, unsafeBitCast(ioReceive, to: UnsafeMutableRawPointer.self))
    _ = libssh2_session_callback_set(
      session, LIBSSH2_CALLBACK_SEND, unsafeBitCast(ioSend, to: UnsafeMutableRawPointer.self))
  }
}

/// libssh2's socket reader: the same `recv`, plus a byte count.
private let ioReceive:
  @convention(c) (
    libssh2_socket_t, UnsafeMutableRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
  ) -> Int = { socket, buffer, length, flags, abstract in
    let received = recv(socket, buffer, length, flags)
    if received < 0 { return -Int(errno) }
    if let abstract, let pointer = abstract.pointee {
      Unmanaged<SessionIO>.fromOpaque(pointer).takeUnretainedValue().bytesReceived += received
    }
    return received
  }

/// libssh2's socket writer: see ``SessionIO``.
private let ioSend:
  @convention(c) (
    libssh2_socket_t, UnsafeRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
  ) -> Int = { socket, buffer, length, _, abstract in
    guard let abstract, let pointer = abstract.pointee else { return -Int(EINVAL) }
    return Unmanaged<SessionIO>.fromOpaque(pointer).takeUnretainedValue().send(socket, buffer, length)
  }
