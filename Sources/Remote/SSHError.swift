import Foundation
import LabPipeline

/// How connecting to or talking with an SSH host failed.
public enum SSHError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The `--host` text is not an alias, `user@host[:port]` or a known keyword.
  case invalidHostSpec(String)
  /// The name is neither an ssh_config alias nor a resolvable host name.
  case unknownHost(name: String, configFile: String)
  /// TCP connection failed.
  case connectFailed(host: String, port: Int, detail: String)
  /// The SSH handshake failed.
  case handshakeFailed(host: String, detail: String)
  /// The host offered a key that is in no known_hosts file.
  case hostKeyUnknown(host: String, fingerprint: String, keyType: String)
  /// The host offered a key different from the one on record: possible interception.
  case hostKeyChanged(host: String, known: [String], offered: String, file: String)
  /// The host key is marked @revoked.
  case hostKeyRevoked(host: String, fingerprint: String, file: String)
  /// Every authentication method failed; lists what was tried.
  case authenticationFailed(user: String, host: String, tried: [String])
  /// A private key file could not be read or parsed.
  case keyFileUnreadable(path: String, detail: String)
  /// An ssh_config file could not be read.
  case configUnreadable(path: String, detail: String)
  /// An ssh_config line (or a value in it) that ssh would reject too.
  case configInvalid(source: String, detail: String)
  /// `ssh -G` could not resolve the host.
  case resolutionFailed(host: String, detail: String)
  /// The configuration sets an option that changes where or how to connect and that labrun
  /// cannot honour: refused, never ignored.
  case optionUnsupported(host: String, option: String, value: String, resolver: String)
  /// ProxyJump hosts lead back to a host already on the route.
  case jumpLoop(hosts: [String])
  /// The ProxyCommand could not be started, or exited before the SSH handshake completed.
  case proxyCommandFailed(command: String, detail: String)
  /// A jump host could not open a connection to the next host.
  case jumpFailed(jumpHost: String, to: String, detail: String)
  /// A libssh2 call failed.
  case libssh2(call: String, code: Int32, message: String)

  public var description: String {
    switch self {
    case .invalidHostSpec(let spec):
      return "invalid --host '\(spec)': use an ssh_config alias, user@host[:port], local or sim[:PROFILE]"
    case .unknownHost(let name, let configFile):
      return "unknown host '\(name)': the name does not resolve, and no Host entry in \(configFile) gives it "
        + "a HostName; add `HostName ADDRESS` to a Host block for it, or pass user@address[:port]"
    case .connectFailed(let host, let port, let detail):
      return
        "cannot connect to \(host) port \(port): \(detail); check the address, the port and that sshd runs"
    case .handshakeFailed(let host, let detail):
      return "SSH handshake with \(host) failed: \(detail)"
    case .hostKeyUnknown(let host, let fingerprint, let keyType):
      return "host key for \(host) is not known (\(keyType) \(fingerprint)); refusing to connect. "
        + "Verify the fingerprint with your provider, then rerun with --accept-new-host-key "
        + "(labrun remembers it in its own known_hosts)"
    case .hostKeyChanged(let host, let known, let offered, let file):
      return "host key for \(host) changed (known \(known.joined(separator: ", ")), offered \(offered)); "
        + "refusing to connect. If the VM was rebuilt, remove its line from \(file) and verify the new key"
    case .hostKeyRevoked(let host, let fingerprint, let file):
      return "host key for \(host) (\(fingerprint)) is marked @revoked in \(file); refusing to connect"
    case .authenticationFailed(let user, let host, let tried):
      let methods = tried.isEmpty ? "no method was available" : "tried " + tried.joined(separator: "; ")
      return "authentication as \(user) on \(host) failed: \(methods). "
        + "Pass --identity KEY, load the key into ssh-agent, or set IdentityFile for the host"
    case .keyFileUnreadable(let path, let detail):
      return "cannot use key \(path): \(detail)"
    case .configUnreadable(let path, let detail):
      return
        "cannot read ssh config \(path): \(detail); check the file -F names (or ~/.ssh/config) and that it is readable"
    case .configInvalid(let source, let detail):
      return "invalid ssh config (\(source)): \(detail)"
    case .resolutionFailed(let host, let detail):
      return "cannot resolve '\(host)' through ssh_config: \(detail)"
    case .optionUnsupported(let host, let option, let value, let resolver):
      let text =
        "ssh_config for \(host) sets `\(option) \(value)`, which labrun cannot honour; refusing to connect "
        + "differently from ssh. "
      if option.hasPrefix("Match "), resolver != "ssh -G" {
        return text + "labrun's own ssh_config parser cannot evaluate it: install OpenSSH's client "
          + "(openssh-client) so labrun asks `ssh -G`, or remove it"
      }
      return text + "Remove it for this host, or use another alias"
    case .jumpLoop(let hosts):
      return "ProxyJump loop: \(hosts.joined(separator: " -> ")); give the jump host `ProxyJump none` "
        + "in its own Host block"
    case .proxyCommandFailed(let command, let detail):
      return "ProxyCommand `\(command)` failed: \(detail)"
    case .jumpFailed(let jumpHost, let to, let detail):
      return "jump host \(jumpHost) could not connect to \(to): \(detail)"
    case .libssh2(let call, let code, let message):
      return "\(call) failed (libssh2 error \(code)): \(message)"
    }
  }

  public var errorDescription: String? { description }
}

extension SSHError: ExitCodeProviding {
  /// A malformed `--host` is a command-line error (64); everything else is the target's (3).
  public var exitCode: Int32 {
    if case .invalidHostSpec = self { return LabrunExitCode.usage }
    return LabrunExitCode.targetFailed
  }
}
