import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How a session's bytes reach its host: straight over TCP, through a ProxyCommand's standard
/// input and output, or through a direct-tcpip channel of the previous hop's session
/// (ProxyJump). Opened on the session's own thread; libssh2 sees a socket either way.
enum SSHLink: Sendable {
  /// A TCP connection (`family`: AF_UNSPEC, AF_INET or AF_INET6).
  case tcp(host: String, port: Int, family: Int32)
  /// A local command speaking for the host on its stdin/stdout (`$SHELL -c "exec COMMAND"`).
  case command(String, shell: String, environment: [String: String])
  /// A direct-tcpip channel to `host:port` on `session`, which the link then owns.
  case jump(through: SSHSession, host: String, port: Int)

  /// Opens the link, blocking the calling (session) thread at most about `timeout`.
  func open(display: String, timeout: Duration) throws -> OpenLink {
    switch self {
    case .tcp(let host, let port, let family):
      return OpenLink(
        socket: try Self.connectTCP(
          host: host, port: port, family: family, display: display, timeout: timeout))
    case .command(let command, let shell, let environment):
      let (process, socket) = try ProxyCommandProcess.start(
        command: command, shell: shell, environment: environment)
      return OpenLink(socket: socket, process: process)
    case .jump(let session, let host, let port):
      return try Self.openTunnel(through: session, host: host, port: port, timeout: timeout)
    }
  }

  /// Asks the previous hop for a direct-tcpip channel and hands back the other end of a socket
  /// pair that its session thread pumps against the channel.
  private static func openTunnel(through session: SSHSession, host: String, port: Int, timeout: Duration)
    throws
    -> OpenLink
  {
    let link = OpenLink(upstream: session)
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0
    else {
      let detail = String(cString: strerror(errno))
      link.close()
      throw SSHError.jumpFailed(jumpHost: session.endpoint.displayName, to: "\(host):\(port)", detail: detail)
    }
    link.socket = pair[0]
    let opened = DispatchSemaphore(value: 0)
    let outcome = TunnelOutcome()
    let tunnel = TunnelOperation(host: host, port: port, socket: pair[1], openTimeout: timeout) { result in
      outcome.result = result
      opened.signal()
    }
    link.tunnelStatus = tunnel.status
    session.submit(tunnel)
    opened.wait()
    if case .failure(let error) = outcome.result {
      link.close()
      throw error
    }
    return link
  }

  /// A connected TCP socket (close-on-exec, TCP_NODELAY, keepalive), within `timeout`.
  private static func connectTCP(host: String, port: Int, family: Int32, display: String, timeout: Duration)
    throws
    -> Int32
  {
    var hints = addrinfo()
    hints.ai_family = family
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let list else {
      throw SSHError.connectFailed(host: display, port: port, detail: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(list) }
    var lastError = "no address"
    var cursor: UnsafeMutablePointer<addrinfo>? = list
    let milliseconds = Int32(min(max(timeout.seconds * 1000, 1), Double(Int32.max)))
    while let info = cursor {
      cursor = info.pointee.ai_next
      let fd = socket(
        info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue),
        info.pointee.ai_protocol)
      if fd < 0 { continue }
      var one: Int32 = 1
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
      _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
      // A peer that vanished without a reset (VM stopped, network cut) is noticed within
      // about a minute instead of the kernel's two hours, so a waiting command fails instead of hanging.
      var idle: Int32 = 30
      var interval: Int32 = 10
      var probes: Int32 = 3
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, socklen_t(MemoryLayout<Int32>.size))
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, socklen_t(MemoryLayout<Int32>.size))
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &probes, socklen_t(MemoryLayout<Int32>.size))
      let flags = fcntl(fd, F_GETFL)
      _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
      var result = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
      if result != 0, errno == EINPROGRESS {
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        if poll(&descriptor, 1, milliseconds) == 1 {
          var socketError: Int32 = 0
          var length = socklen_t(MemoryLayout<Int32>.size)
          _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &socketError, &length)
          result = socketError == 0 ? 0 : -1
          errno = socketError
        } else {
          errno = ETIMEDOUT
        }
      }
      if result == 0 {
        _ = fcntl(fd, F_SETFL, flags)
        return fd
      }
      lastError = String(cString: strerror(errno))
      Glibc.close(fd)
    }
    throw SSHError.connectFailed(host: display, port: port, detail: lastError)
  }
}

/// Carries a tunnel's open result from the upstream session thread to the waiting one.
private final class TunnelOutcome: @unchecked Sendable {
  var result: Result<Void, any Error> = .success(())
}
