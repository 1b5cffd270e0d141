import Foundation

extension SSHTransport {
  /// Everything needed to (re)connect to one SSH host, resolved once from `--host` and
  /// ssh_config: where, as whom, how its key is checked, and the route to it (jump hosts, each
  /// a `Destination` of its own, or a ProxyCommand).
  public struct Destination: Sendable, Hashable {
    /// What the user typed (`gpu-vm`, `ubuntu@203.0.113.7`), or a jump host as ProxyJump names it.
    public var name: String
    /// The host name or address to connect to (after HostName).
    public var hostName: String
    public var port: Int
    public var user: String
    /// `--identity` and IdentityFile, expanded; empty means labrun's default keys.
    public var identityFiles: [String] = []
    /// IdentitiesOnly: only the configured identities, no agent keys.
    public var identitiesOnly = false
    /// The ssh-agent socket (IdentityAgent, else `SSH_AUTH_SOCK`); nil for none.
    public var agentSocket: String?
    /// Why there is no agent socket, for the authentication failure message.
    public var agentAbsence = "SSH_AUTH_SOCK not set"
    /// The user's and the system's known_hosts files (UserKnownHostsFile, GlobalKnownHostsFile);
    /// labrun's own file is always checked too, first.
    public var knownHostsFiles: [String] = []
    /// HostKeyAlias: the name host keys are looked up and remembered under, instead of the host.
    public var hostKeyAlias: String?
    /// ConnectTimeout in seconds: connecting and the SSH handshake; nil for labrun's default.
    public var connectTimeout: Int?
    /// Seconds between keepalives (ServerAliveInterval, else 30).
    public var keepaliveInterval = 30
    /// Unanswered keepalives after which the connection is taken as gone while something
    /// waits on it (ServerAliveCountMax, else 3).
    public var keepaliveCountMax = 3
    /// AddressFamily: `any`, `inet` or `inet6`.
    public var addressFamily = "any"
    /// ProxyCommand with its tokens expanded; run by `$SHELL -c "exec …"`. Only ever set on the
    /// first host of the route.
    public var proxyCommand: String?
    /// The jump hosts in connection order; each is reached through the one before it.
    public var jumpHosts: [Destination] = []
    /// `ssh -G` or labrun's own ssh_config parser.
    public var resolvedBy = "labrun's ssh_config parser"

    public init(name: String, hostName: String, port: Int, user: String) {
      self.name = name
      self.hostName = hostName
      self.port = port
      self.user = user
    }

    /// The names host keys are looked up under: HostKeyAlias alone, else `host` or `[host]:port`.
    public var knownHostsTokens: [String] {
      if let hostKeyAlias { return [hostKeyAlias] }
      return [KnownHosts.hostToken(hostName, port: port)]
    }

    /// The private keys labrun will try: the configured identities, else its default keys.
    public func keyFiles(home: String) -> [String] {
      identityFiles.isEmpty ? SSHAuthenticator.defaultKeyNames.map { home + "/.ssh/" + $0 } : identityFiles
    }

    /// `user@host:port` for messages.
    public var address: String { "\(user)@\(hostName):\(port)" }
  }
}
