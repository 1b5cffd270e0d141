import CLibSSH2
import Foundation
import LabPipeline

#if canImport(Glibc)
  import Glibc
#endif

/// One SFTP transfer on its own SFTP channel, as a non-blocking state machine.
///
/// Downloads land in a temporary file beside the destination and are renamed into place
/// only when complete, so a failed transfer never leaves a partial file under the real name.
/// Uploads go to a temporary remote name and are renamed the same way.
final class SFTPOperation: SessionOperation {
  enum Direction {
    case download(remote: String, local: URL)
    case upload(local: URL, remote: String)
  }

  private enum Phase {
    case initializing, opening, transferring, closingHandle, renaming, unlinking, shuttingDown
  }

  private let direction: Direction
  private var phase = Phase.initializing
  private var sftp: OpaquePointer?
  private var handle: OpaquePointer?
  private var localFD: Int32 = -1
  private var temporaryLocal: String?
  private let remoteTemporary: String
  private var chunk: [UInt8] = []
  private var chunkOffset = 0
  private var localEOF = false
  private var error: Error?
  private var renameRetried = false
  private(set) var deadline: ContinuousClock.Instant?
  private var completion: ((Result<Void, Error>) -> Void)?
  private let chunkSize = 1 << 20

  init(_ direction: Direction, timeout: Duration?, completion: @escaping (Result<Void, Error>) -> Void) {
    self.direction = direction
    self.completion = completion
    let nonce = String(UInt32.random(in: 0...UInt32.max), radix: 16)
    if case .upload(_, let remote) = direction {
      remoteTemporary = remote + ".labrun-" + nonce
    } else {
      remoteTemporary = ""
    }
    if let timeout { deadline = ContinuousClock.now.advanced(by: timeout) }
  }

  private var remotePath: String {
    switch direction {
    case .download(let remote, _): return remote
    case .upload(_, let remote): return remote
    }
  }

  func advance(_ context: SessionContext) -> Advance {
    switch phase {
    case .initializing:
      guard context.acquireOpener(self) else { return .wouldBlock }
      if let session = libssh2_sftp_init(context.session) {
        context.releaseOpener(self)
        context.channelOpened()
        sftp = session
        phase = .opening
        return .progressed
      }
      return failedCall("libssh2_sftp_init", context, releasingOpener: true)
    case .opening:
      return open(context)
    case .transferring:
      return transfer(context)
    case .closingHandle:
      guard let handle else { return .finished }
      let rc = libssh2_sftp_close_handle(handle)
      if rc == LibSSH2.eagain { return .wouldBlock }
      self.handle = nil
      if case .upload = direction, error == nil {
        phase = .renaming
      } else {
        phase = .shuttingDown
      }
      return .progressed
    case .renaming:
      return rename(context)
    case .unlinking:
      guard let sftp else { return .finished }
      let rc = remotePath.withCString { libssh2_sftp_unlink_ex(sftp, $0, UInt32(remotePath.utf8.count)) }
      if rc == LibSSH2.eagain { return .wouldBlock }
      phase = .renaming
      return .progressed
    case .shuttingDown:
      if let sftp {
        let rc = libssh2_sftp_shutdown(sftp)
        if rc == LibSSH2.eagain { return .wouldBlock }
        self.sftp = nil
        context.channelClosed()
      }
      complete()
      return .finished
    }
  }

  private func open(_ context: SessionContext) -> Advance {
    guard let sftp else { return .finished }
    let path: String
    let flags: UInt
    switch direction {
    case .download(let remote, let local):
      path = remote
      flags = UInt(LIBSSH2_FXF_READ)
      if localFD < 0 {
        let temporary = local.path + ".labrun-partial-\(getpid())"
        localFD = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard localFD >= 0 else {
          return fail(reason: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        temporaryLocal = temporary
      }
    case .upload(let local, _):
      path = remoteTemporary
      flags = UInt(LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC)
      if localFD < 0 {
        localFD = Glibc.open(local.path, O_RDONLY)
        guard localFD >= 0 else {
          return fail(reason: "cannot read \(local.path): \(String(cString: strerror(errno)))")
        }
      }
    }
    let opened = path.withCString {
      libssh2_sftp_open_ex(sftp, $0, UInt32(path.utf8.count), flags, 0o644, LIBSSH2_SFTP_OPENFILE)
    }
    if let opened {
      handle = opened
      phase = .transferring
      return .progressed
    }
    return failedCall("libssh2_sftp_open(\(path))", context, releasingOpener: false)
  }

  private func transfer(_ context: SessionContext) -> Advance {
    guard let handle else { return .finished }
    switch direction {
    case .download:
      let buffer = context.buffer
      let count = libssh2_sftp_read(
        handle, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
      if count == Int(LibSSH2.eagain) { return .wouldBlock }
      if count < 0 { return failedCall("libssh2_sftp_read", context, code: Int32(count)) }
      if count == 0 {
        phase = .closingHandle
        return .progressed
      }
      var written = 0
      while written < count {
        let result = Glibc.write(localFD, buffer.baseAddress?.advanced(by: written), count - written)
        if result < 0 {
          return fail(reason: "writing \(temporaryLocal ?? ""): \(String(cString: strerror(errno)))")
        }
        written += result
      }
      return .progressed
    case .upload:
      if chunkOffset == chunk.count {
        if localEOF {
          phase = .closingHandle
          return .progressed
        }
        chunk = [UInt8](repeating: 0, count: chunkSize)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(localFD, $0.baseAddress, chunkSize) }
        if count < 0 { return fail(reason: "reading local file: \(String(cString: strerror(errno)))") }
        chunk.removeSubrange(count...)
        chunkOffset = 0
        if count == 0 { localEOF = true }
        return .progressed
      }
      let written = chunk.withUnsafeBytes { bytes in
        libssh2_sftp_write(
          handle, bytes.baseAddress?.advanced(by: chunkOffset).assumingMemoryBound(to: CChar.self),
          chunk.count - chunkOffset)
      }
      if written == Int(LibSSH2.eagain) { return .wouldBlock }
      if written < 0 { return failedCall("libssh2_sftp_write", context, code: Int32(written)) }
      chunkOffset += written
      return .progressed
    }
  }

  private func rename(_ context: SessionContext) -> Advance {
    guard let sftp else { return .finished }
    let rc = remoteTemporary.withCString { source in
      remotePath.withCString { target in
        libssh2_sftp_rename_ex(
          sftp, source, UInt32(remoteTemporary.utf8.count), target, UInt32(remotePath.utf8.count),
          Int(LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE))
      }
    }
    if rc == LibSSH2.eagain { return .wouldBlock }
    if rc != 0 {
      // SFTP v3 servers refuse to rename over an existing file: remove it, then retry once.
      if !renameRetried, libssh2_sftp_last_error(sftp) == LIBSSH2_FX_FAILURE {
        renameRetried = true
        phase = .unlinking
        return .progressed
      }
      return failedCall("libssh2_sftp_rename(\(remotePath))", context, code: rc)
    }
    phase = .shuttingDown
    return .progressed
  }

  private func failedCall(
    _ call: String, _ context: SessionContext, releasingOpener: Bool = false, code: Int32? = nil
  )
    -> Advance
  {
    let errorCode = code ?? context.lastErrno
    if errorCode == LibSSH2.eagain { return .wouldBlock }
    if releasingOpener { context.releaseOpener(self) }
    if LibSSH2.isConnectionError(errorCode) {
      return .connectionLost(LibSSH2.lastError(context.session).message)
    }
    var detail = LibSSH2.lastError(context.session).message
    if let sftp, errorCode == Int32(LIBSSH2_ERROR_SFTP_PROTOCOL) {
      detail += " (SFTP status \(Self.statusName(libssh2_sftp_last_error(sftp))))"
    }
    return fail(reason: "\(call): \(detail)")
  }

  static func statusName(_ status: UInt) -> String {
    switch status {
    case 2: return "no such file"
    case 3: return "permission denied"
    case 4: return "failure"
    default: return String(status)
    }
  }

  private func fail(reason: String) -> Advance {
    error = TransportError.transferFailed(path: remotePath, detail: reason)
    if handle != nil {
      phase = .closingHandle
    } else {
      phase = .shuttingDown
    }
    return .progressed
  }

  func expire(_ context: SessionContext) {
    deadline = nil
    if error == nil { _ = fail(reason: "timed out") }
  }

  func cancel(_ context: SessionContext) {
    if error == nil { _ = fail(reason: "cancelled") }
  }

  func abandon(connectionError: String, host: String) {
    error = TransportError.connectionLost(host: host, detail: connectionError)
    complete()
  }

  private func complete() {
    guard let completion else { return }
    self.completion = nil
    if localFD >= 0 {
      if case .download = direction, error == nil, fsync(localFD) != 0 {
        error = TransportError.transferFailed(
          path: remotePath, detail: "fsync: \(String(cString: strerror(errno)))")
      }
      Glibc.close(localFD)
      localFD = -1
    }
    if case .download(_, let local) = direction, let temporaryLocal {
      if error == nil, Glibc.rename(temporaryLocal, local.path) != 0 {
        error = TransportError.transferFailed(
          path: remotePath, detail: "rename into \(local.path): \(String(cString: strerror(errno)))")
      }
      if error != nil { unlink(temporaryLocal) }
    }
    completion(error.map { .failure($0) } ?? .success(()))
  }
}
