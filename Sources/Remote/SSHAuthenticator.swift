import CLibSSH2
import Foundation

/// Public-key authentication in labrun's order: ssh-agent, then the configured identities
/// (`--identity`, IdentityFile), then the default keys; every attempt is recorded so a
/// failure can name each method tried.
struct SSHAuthenticator: Sendable {
  var user: String
  var host: String
  /// Explicit identities: `--identity` first, then IdentityFile lines.
  var identityFiles: [String]
  var identitiesOnly: Bool
  var home: String
  var agentSocket: String?
  /// Why there is no agent socket (`SSH_AUTH_SOCK not set`, `IdentityAgent none`).
  var agentAbsence = "SSH_AUTH_SOCK not set"
  /// `LABRUN_KEY_PASSPHRASE`, if set.
  var environmentPassphrase: String?
  /// Asks the person at the terminal; nil when there is none.
  var askPassphrase: (@Sendable (String) -> String?)?

  static let defaultKeyNames = ["id_ed25519", "id_ecdsa", "id_rsa"]

  /// The key files to try, in order.
  var candidateKeyFiles: [String] {
    if !identityFiles.isEmpty { return identityFiles }
    return Self.defaultKeyNames.map { home + "/.ssh/" + $0 }
  }

  /// Runs on the session thread with the session in blocking mode.
  func authenticate(_ session: OpaquePointer) throws {
    var tried: [String] = []
    let methods: String
    if let list = libssh2_userauth_list(session, user, UInt32(user.utf8.count)) {
      methods = String(cString: list)
    } else if libssh2_userauth_authenticated(session) == 1 {
      return
    } else {
      throw SSHError.authenticationFailed(
        user: user, host: host,
        tried: ["asking the server for methods (\(LibSSH2.lastError(session).message))"])
    }
    guard methods.split(separator: ",").contains("publickey") else {
      throw SSHError.authenticationFailed(
        user: user, host: host, tried: ["publickey is not offered by the server (it offers: \(methods))"])
    }
    if !identitiesOnly, let agentSocket, !agentSocket.isEmpty {
      if tryAgent(session, socket: agentSocket, tried: &tried) { return }
    } else if identitiesOnly {
      tried.append("ssh-agent (skipped: IdentitiesOnly yes)")
    } else {
      tried.append("ssh-agent (\(agentAbsence))")
    }
    let explicit = !identityFiles.isEmpty
    for path in candidateKeyFiles {
      guard FileManager.default.fileExists(atPath: path) else {
        if explicit { tried.append("\(path) (no such file)") }
        continue
      }
      if try tryKeyFile(session, path: path, tried: &tried) { return }
    }
    if !explicit, !tried.contains(where: { $0.hasPrefix("/") }) {
      tried.append("default keys ~/.ssh/{\(Self.defaultKeyNames.joined(separator: ","))} (none present)")
    }
    throw SSHError.authenticationFailed(user: user, host: host, tried: tried)
  }

  private func tryAgent(_ session: OpaquePointer, socket: String, tried: inout [String]) -> Bool {
    guard let agent = libssh2_agent_init(session) else {
      tried.append("ssh-agent (could not initialise)")
      return false
    }
    defer { libssh2_agent_free(agent) }
    libssh2_agent_set_identity_path(agent, socket)
    guard libssh2_agent_connect(agent) == 0 else {
      tried.append("ssh-agent at \(socket) (cannot connect)")
      return false
    }
    defer { libssh2_agent_disconnect(agent) }
    guard libssh2_agent_list_identities(agent) == 0 else {
      tried.append("ssh-agent (cannot list keys)")
      return false
    }
    var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
    var offered = 0
    while true {
      var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
      let rc = libssh2_agent_get_identity(agent, &identity, previous)
      guard rc == 0, let identity else { break }
      offered += 1
      if libssh2_agent_userauth(agent, user, identity) == 0 { return true }
      previous = identity
    }
    tried.append(offered == 0 ? "ssh-agent (no keys loaded)" : "ssh-agent (\(offered) key(s) rejected)")
    return false
  }

  private func tryKeyFile(_ session: OpaquePointer, path: String, tried: inout [String]) throws -> Bool {
    let key: PrivateKeyFile
    do {
      key = try PrivateKeyFile(path: path)
    } catch {
      tried.append("\(path) (\(error))")
      return false
    }
    var passphrase: String?
    if key.isEncrypted {
      passphrase = environmentPassphrase ?? askPassphrase?(path)
      guard passphrase != nil else {
        tried.append(
          "\(path) (encrypted, no passphrase: set LABRUN_KEY_PASSPHRASE or run labrun on a terminal)")
        return false
      }
    }
    let rc = libssh2_userauth_publickey_fromfile_ex(
      session, user, UInt32(user.utf8.count), nil, path, passphrase)
    if rc == 0 { return true }
    if rc == Int32(LIBSSH2_ERROR_FILE) {
      tried.append(
        key.isEncrypted
          ? "\(path) (wrong passphrase)" : "\(path) (unreadable: \(LibSSH2.lastError(session).message))")
    } else if key.isRSA {
      tried.append(
        "\(path) (rejected by server; RSA keys are signed with ssh-rsa/SHA-1 by this libssh2, which OpenSSH "
          + "8.8+ refuses by default: use an ed25519 or ecdsa key)")
    } else {
      tried.append("\(path) (rejected by server)")
    }
    return false
  }
}
