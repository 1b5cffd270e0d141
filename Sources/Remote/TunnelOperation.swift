import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A direct-tcpip channel (what `ssh -W host:port` asks a jump host for) pumped against one
/// end of a socket pair, on the jump host's session thread. The next hop's libssh2 session
/// talks over the other end as if it were a TCP connection.
///
/// Bytes are moved in both directions without buffering more than one chunk each way: while
/// the channel cannot take more, the socket is not read (and vice versa), so back-pressure
/// reaches both ends. The socket pair end is closed when the channel ends, and the channel
/// when the socket's other end is closed.
final class TunnelOperation: SessionOperation {
  private enum Phase: Equatable {
    case opening, pumping
    case tearingDown(ChannelTeardown)
  }

  private let host: String
  private let port: Int
  private var socket: Int32
  private var channel: OpaquePointer?
  private var phase = Phase.opening
  /// Read from the socket, not yet written to the channel.
  private var toChannel: [UInt8] = []
  private var toChannelOffset = 0
  /// Read from the channel, not yet written to the socket.
  private var toSocket: [UInt8] = []
  private var toSocketOffset = 0
  private var socketEOF = false
  private var eofSent = false
  private var channelEOF = false
  private var socketShutDown = false
  private(set) var deadline: ContinuousClock.Instant?
  private var opened: ((Result<Void, any Error>) -> Void)?
  /// Why the tunnel ended early, for the next hop's connection-lost message.
  let status = TunnelStatus()

  /// - Parameter opened: called once, on the session thread, when the channel is open or
  ///   could not be opened (within `openTimeout`).
  init(
    host: String, port: Int, socket: Int32, openTimeout: Duration,
    opened: @escaping (Result<Void, any Error>) -> Void
  ) {
    self.host = host
    self.port = port
    self.socket = socket
    self.opened = opened
    self.deadline = ContinuousClock.now.advanced(by: openTimeout)
    _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
  }

  deinit { closeSocket() }

  var pollDescriptor: pollfd? {
    guard phase == .pumping, socket >= 0 else { return nil }
    var events: Int16 = 0
    if toChannelOffset >= toChannel.count, !socketEOF { events |= Int16(POLLIN) }
    if toSocketOffset < toSocket.count { events |= Int16(POLLOUT) }
    return events == 0 ? nil : pollfd(fd: socket, events: events, revents: 0)
  }

  func advance(_ context: SessionContext) -> Advance {
    switch phase {
    case .opening: return open(context)
    case .pumping: return pump(context)
    case .tearingDown(let teardown): return tearDown(teardown, context)
    }
  }

  func expire(_ context: SessionContext) {
    switch phase {
    case .opening:
      // libssh2 keeps a half-done channel open in the session; the session cannot be trusted
      // with another, so the jump connection (used by this route alone) is dropped.
      context.releaseOpener(self)
      report(
        .failure(
          SSHError.jumpFailed(jumpHost: context.host, to: target, detail: "timed out opening the channel")))
      closeSocket()
      phase = .tearingDown(.freeOnly)
      context.unresponsive = "no answer to the channel open for \(target)"
    default:
      // The peer did not acknowledge the close: free the channel without waiting further.
      deadline = nil
      phase = .tearingDown(.freeOnly)
    }
  }

  func cancel(_ context: SessionContext) {
    guard phase == .pumping else { return }
    startClosing()
  }

  func abandon(connectionError: String, host: String) {
    status.record(connectionError)
    report(.failure(SSHError.jumpFailed(jumpHost: host, to: target, detail: connectionError)))
    closeSocket()
  }

  private var target: String { KnownHosts.hostToken(host, port: port) }

  // MARK: Phases

  private func open(_ context: SessionContext) -> Advance {
    guard context.acquireOpener(self) else { return .wouldBlock }
    if let created = libssh2_channel_direct_tcpip_ex(context.session, host, Int32(port), "127.0.0.1", 22) {
      context.releaseOpener(self)
      context.channelOpened()
      channel = created
      phase = .pumping
      deadline = nil
      report(.success(()))
      return .progressed
    }
    let code = context.lastErrno
    if code == LibSSH2.eagain { return .wouldBlock }
    context.releaseOpener(self)
    let message = LibSSH2.lastError(context.session).message
    if LibSSH2.isConnectionError(code) { return .connectionLost(message) }
    report(.failure(SSHError.jumpFailed(jumpHost: context.host, to: target, detail: message)))
    closeSocket()
    return .finished
  }

  private func pump(_ context: SessionContext) -> Advance {
    guard let channel else { return .finished }
    var progressed = false
    // Socket → channel.
    if toChannelOffset < toChannel.count {
      let written = LibSSH2.write(channel, toChannel, from: toChannelOffset)
      if written > 0 {
        toChannelOffset += written
        progressed = true
      } else if written < 0, written != Int(LibSSH2.eagain) {
        return failure(Int32(written), call: "libssh2_channel_write", context)
      }
    } else if !socketEOF {
      toChannel = Self.readSome(socket, eof: &socketEOF)
      toChannelOffset = 0
      if !toChannel.isEmpty || socketEOF { progressed = true }
    } else if !eofSent, let rc = LibSSH2.sendEOF(channel, sent: &eofSent, progressed: &progressed) {
      return failure(rc, call: "libssh2_channel_send_eof", context)
    }
    // Channel → socket.
    if toSocketOffset < toSocket.count {
      let sent = SessionIO.send(toSocket, from: toSocketOffset, to: socket)
      if sent > 0 {
        toSocketOffset += sent
        progressed = true
      } else if sent < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
        // The next hop's session closed its end: nobody reads any more.
        toSocket = []
        toSocketOffset = 0
        socketEOF = true
      }
    } else if !channelEOF {
      let buffer = context.buffer
      let count = libssh2_channel_read_ex(
        channel, 0, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), min(buffer.count, 1 << 18))
      if count > 0 {
        toSocket = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        toSocketOffset = 0
        progressed = true
      } else if count < 0, count != Int(LibSSH2.eagain) {
        return failure(Int32(count), call: "libssh2_channel_read", context)
      } else if libssh2_channel_eof(channel) == 1 {
        channelEOF = true
        progressed = true
      }
    } else if !socketShutDown {
      // The far end is done: the next hop's session reads end of file.
      _ = shutdown(socket, Int32(SHUT_WR))
      socketShutDown = true
      progressed = true
    }
    if socketEOF, eofSent, toChannelOffset >= toChannel.count {
      // The next hop's session closed its end: nothing more will be read, end the channel.
      startClosing()
      return .progressed
    }
    if channelEOF, socketShutDown, socketEOF {
      startClosing()
      return .progressed
    }
    return progressed ? .progressed : .wouldBlock
  }

  private func startClosing() {
    closeSocket()
    phase = .tearingDown(ChannelTeardown())
    deadline = ContinuousClock.now.advanced(by: .seconds(10))
  }

  private func tearDown(_ teardown: ChannelTeardown, _ context: SessionContext) -> Advance {
    closeSocket()
    guard let channel else { return .finished }
    var teardown = teardown
    let step = teardown.advance(channel, context)
    phase = .tearingDown(teardown)
    if step == .finished { self.channel = nil }
    return step
  }

  private func failure(_ code: Int32, call: String, _ context: SessionContext) -> Advance {
    if LibSSH2.isConnectionError(code) { return .connectionLost(LibSSH2.lastError(context.session).message) }
    // The channel itself failed; the next hop's session sees its connection end, and why.
    status.record(LibSSH2.error(call, context.session, code: code).description)
    startClosing()
    return .progressed
  }

  // MARK: Helpers

  /// One non-blocking read from the socket; empty when nothing is there yet.
  private static func readSome(_ socket: Int32, eof: inout Bool) -> [UInt8] {
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
    if count > 0 { return Array(chunk[0..<count]) }
    if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { eof = true }
    return []
  }

  private func report(_ result: Result<Void, any Error>) {
    guard let opened else { return }
    self.opened = nil
    opened(result)
  }

  private func closeSocket() {
    if socket >= 0 {
      Glibc.close(socket)
      socket = -1
    }
  }
}

/// Why a tunnel ended before its ends closed it, read by the next hop's session thread.
final class TunnelStatus: @unchecked Sendable {
  private let lock = NSLock()
  private var recorded: String?

  /// The first reason recorded.
  var reason: String? { lock.withLock { recorded } }

  func record(_ reason: String) {
    lock.withLock { if recorded == nil { recorded = reason } }
  }
}
