import CLibSSH2
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How far one non-blocking attempt got.
enum Advance: Equatable {
  /// Something happened; call again before waiting on the socket.
  case progressed
  /// Nothing to do until the socket is ready.
  case wouldBlock
  /// The operation completed (its completion was called).
  case finished
  /// The connection itself failed.
  case connectionLost(String)
}

/// Work the session thread drives with non-blocking libssh2 calls.
protocol SessionOperation: AnyObject {
  /// When the operation's own timeout (or its termination grace period) runs out.
  var deadline: ContinuousClock.Instant? { get }
  /// One non-blocking attempt to make progress.
  func advance(_ context: SessionContext) -> Advance
  /// The deadline passed.
  func expire(_ context: SessionContext)
  /// The caller cancelled.
  func cancel(_ context: SessionContext)
  /// The connection is gone: complete with an error, without touching libssh2.
  func abandon(connectionError: String, host: String)
  /// A descriptor of the operation's own to wait on besides the session's socket (a jump
  /// tunnel's socket pair end), or nil.
  var pollDescriptor: pollfd? { get }
}

extension SessionOperation {
  var pollDescriptor: pollfd? { nil }
}
