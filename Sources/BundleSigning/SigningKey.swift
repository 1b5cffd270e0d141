import Foundation
import LabPipeline

/// The key that signs a bundle: an unencrypted private key read from its file, or a key held
/// by ssh-agent (how encrypted keys are used: labrun never asks for a passphrase).
public enum SigningKey: Sendable, CustomStringConvertible {
  /// A private key read from an unencrypted OpenSSH key file.
  case privateKey(SSHPrivateKey)
  /// A key held by the ssh-agent listening on `socketPath`.
  case agent(socketPath: String, publicKey: SSHPublicKey)

  /// The key a `--sign KEY` argument names.
  ///
  /// `path` may be an OpenSSH private key file or a public key file (`KEY.pub`). An unencrypted
  /// private key is used directly; an encrypted one, a public key, or a private key in another
  /// format with its `KEY.pub` beside it, is used through the ssh-agent named by `SSH_AUTH_SOCK`
  /// in `environment`, which must hold that key. Asks the agent over its socket: blocking, but
  /// brief.
  ///
  /// - Throws: ``BundleSignatureError/encryptedKeyNotInAgent(path:fingerprint:agent:)`` or
  ///   ``BundleSignatureError/publicKeyNotInAgent(path:fingerprint:agent:)`` when no agent holds
  ///   the key, with what to do about it.
  public static func load(path: String, environment: [String: String]) throws -> SigningKey {
    let text: String
    do {
      text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
    } catch {
      throw BundleSignatureError.fileUnreadable(path: path, reason: FileProblem.reason(error, path: path))
    }
    let agentSocket = environment["SSH_AUTH_SOCK"].flatMap { $0.isEmpty ? nil : $0 }
    switch OpenSSHKeyFile.pemLabel(of: text) {
    case "OPENSSH PRIVATE KEY":
      let file = try OpenSSHKeyFile(text: text, path: path)
      if !file.isEncrypted { return .privateKey(try SSHPrivateKey(file: file)) }
      switch agentHolding(file.publicKey, socket: agentSocket) {
      case .success(let socket): return .agent(socketPath: socket, publicKey: file.publicKey)
      case .failure(let reason):
        throw BundleSignatureError.encryptedKeyNotInAgent(
          path: path, fingerprint: file.publicKey.fingerprint, agent: reason.text)
      }
    case let label?:
      // A key in another format (PEM, PKCS#8) may still be in the agent: KEY.pub says which key.
      if let publicKey = try? SSHPublicKey(contentsOf: URL(fileURLWithPath: path + ".pub")),
        case .success(let socket) = agentHolding(publicKey, socket: agentSocket)
      {
        return .agent(socketPath: socket, publicKey: publicKey)
      }
      throw BundleSignatureError.privateKeyFormatUnsupported(path: path, format: label)
    case nil:
      let publicKey = try SSHPublicKey(line: text, source: path)
      switch agentHolding(publicKey, socket: agentSocket) {
      case .success(let socket): return .agent(socketPath: socket, publicKey: publicKey)
      case .failure(let reason):
        throw BundleSignatureError.publicKeyNotInAgent(
          path: path, fingerprint: publicKey.fingerprint, agent: reason.text)
      }
    }
  }

  /// The public half, which goes into the signature.
  public var publicKey: SSHPublicKey {
    switch self {
    case .privateKey(let key): return key.publicKey
    case .agent(_, let publicKey): return publicKey
    }
  }

  public var description: String {
    switch self {
    case .privateKey(let key): return "\(key.publicKey) from its key file"
    case .agent(let socket, let publicKey): return "\(publicKey) held by ssh-agent at \(socket)"
    }
  }

  /// An SSH signature blob over `data`; RSA keys sign with rsa-sha2-512.
  func signature(for data: [UInt8]) throws -> [UInt8] {
    switch self {
    case .privateKey(let key):
      return try key.signature(for: data)
    case .agent(let socket, let publicKey):
      let agent = SSHAgentClient(socketPath: socket)
      let isRSA = publicKey.keyType == "ssh-rsa"
      guard
        let signature = try agent.sign(
          keyBlob: publicKey.blob, data: data, flags: isRSA ? SSHAgentClient.rsaSHA2_512 : 0)
      else { throw BundleSignatureError.agentRefused(socket: socket, fingerprint: publicKey.fingerprint) }
      if isRSA {
        var reader = SSHWireReader(signature)
        let algorithm = try? reader.readText("signature algorithm")
        guard algorithm == "rsa-sha2-512" else {
          throw agent.failure(
            "answered with a \(algorithm ?? "malformed") signature when rsa-sha2-512 was asked for;"
              + " use a current OpenSSH ssh-agent")
        }
      }
      return signature
    }
  }

  /// Why no agent could sign with a key, in words for an error message.
  struct AgentUnavailable: Error {
    var text: String
  }

  /// The socket of the agent that holds `key`, or why there is none.
  static func agentHolding(_ key: SSHPublicKey, socket: String?) -> Result<String, AgentUnavailable> {
    guard let socket else { return .failure(AgentUnavailable(text: "SSH_AUTH_SOCK is not set")) }
    let identities: [SSHAgentClient.Identity]
    do {
      identities = try SSHAgentClient(socketPath: socket).identities()
    } catch BundleSignatureError.agentFailure(_, let reason) {
      return .failure(AgentUnavailable(text: "the ssh-agent at \(socket): \(reason)"))
    } catch {
      return .failure(AgentUnavailable(text: "the ssh-agent at \(socket): \(error)"))
    }
    let held = identities.contains { (try? SSHPublicKey(blob: $0.blob)) == key }
    guard held else {
      return .failure(
        AgentUnavailable(text: "the ssh-agent at \(socket) holds \(identities.count) other key(s)"))
    }
    return .success(socket)
  }
}
