import Foundation
import LabPipeline
import TestSupport
import Testing

/// The built labrun through a real jump host and through a ProxyCommand: two sshds on
/// loopback, a bastion (logging at DEBUG1: every direct-tcpip request) and a target (logging at
/// VERBOSE: every connection).
@Suite(.serialized) struct JumpHostCommandTests {
  /// The two servers and an ssh_config naming the target four ways: behind the bastion
  /// (ProxyJump), behind a netcat ProxyCommand that notes each use, with an option labrun
  /// cannot honour, and the bastion itself.
  final class Route: Sendable {
    let target: LoopbackSSHServer
    let bastion: LoopbackSSHServer
    let config: URL
    let proxyLog: URL

    /// Starts both servers on a thread of its own (key generation blocks for seconds).
    static func start() async throws -> Route {
      try await BlockingWork.run { try Route() }
    }

    private init() throws {
      guard let netcat = ["/usr/bin/nc", "/bin/nc"].first(where: FileManager.default.isExecutableFile) else {
        throw LoopbackSSHServer.ServerError.missingTool("nc (netcat-openbsd; `make deps` installs it)")
      }
      target = try LoopbackSSHServer(logLevel: "VERBOSE")
      bastion = try LoopbackSSHServer(logLevel: "DEBUG1")
      proxyLog = target.directory.appendingPathComponent("proxy.log")
      func block(_ name: String, _ server: LoopbackSSHServer, _ extra: String) -> String {
        "Host \(name)\n  HostName 127.0.0.1\n  Port \(server.port)\n  User \(server.user)\n"
          + "  IdentityFile \(server.keys["ed25519"]?.path ?? "")\n  IdentitiesOnly yes\n  \(extra)\n"
      }
      config = target.directory.appendingPathComponent("ssh_config-routes")
      try
        (block("bastion", bastion, "ProxyJump none")
        + block("gpu-behind-bastion", target, "ProxyJump bastion")
        + block(
          "gpu-proxied", target,
          "ProxyCommand sh -c 'echo \"%h %p\" >> \(proxyLog.path); exec \(netcat) %h %p'")
        + block("gpu-bound", target, "BindAddress 127.0.0.1"))
        .write(to: config, atomically: true, encoding: .utf8)
      try target.trustInUserKnownHosts(others: [bastion])
      // Starting probed each port with a bare TCP connection; let its log lines land first, so
      // the counts below see only labrun's connections.
      for server in [target, bastion] {
        for _ in 0..<500 where !server.log.contains("kex_exchange_identification") { usleep(10_000) }
      }
    }

    func stop() {
      target.stop()
      bastion.stop()
    }

    /// HOME with both servers' keys trusted; no agent.
    var environment: [String: String] { ["HOME": target.clientHome.path, "SSH_AUTH_SOCK": ""] }

    /// How many connections the target has logged.
    var targetConnections: Int { Self.connections(target) }

    /// How many connections the bastion has logged.
    var bastionConnections: Int { Self.connections(bastion) }

    static func connections(_ server: LoopbackSSHServer) -> Int {
      server.log.components(separatedBy: "Connection from ").count - 1
    }

    /// Whether the bastion's log shows a direct-tcpip request to the target.
    var bastionForwardedToTarget: Bool { bastion.log.contains("target 127.0.0.1 port \(target.port)") }
  }

  /// The ssh_config resolvers: `ssh -G`, and labrun's own parser (`LABRUN_SSH=`).
  static let resolvers: [[String: String]] = [[:], ["LABRUN_SSH": ""]]

  @Test func pingAndSimulatedRunThroughTheBastion() async throws {
    let route = try await Route.start()
    defer { route.stop() }
    for resolver in Self.resolvers {
      let fixture = try SelfTestLabFixture()
      defer { fixture.remove() }
      let environment = route.environment.merging(resolver) { $1 }
      let ping = try await fixture.labrun(
        ["ping", "--host", "gpu-behind-bastion", "-F", route.config.path], environment: environment)
      #expect(ping.status == 0, "\(resolver): \(ping)")
      #expect(ping.stdout.contains("host key   \(route.target.hostKeyFingerprint)"), "\(ping.stdout)")
      #expect(
        ping.stdout.contains(
          "via        bastion (\(route.bastion.user)@127.0.0.1:\(route.bastion.port)) \(route.bastion.hostKeyFingerprint)"
        ), "\(ping.stdout)")
    }
    #expect(
      route.bastionForwardedToTarget,
      "the bastion's log must show the request: \(route.bastion.log.suffix(1500))")

    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(
      ["run", "--host", "sim+gpu-behind-bastion", "-F", route.config.path], environment: route.environment)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("🧪 SIMULATED"))
    let record = try Self.runRecord(fixture)
    let target = try #require(record["target"] as? [String: Any])
    #expect(target["host_key"] as? String == route.target.hostKeyFingerprint)
    let jumps = try #require(
      target["jump_hosts"] as? [[String: Any]], "run.json names the jump host: \(target)")
    #expect(jumps.count == 1)
    #expect(jumps.first?["name"] as? String == "bastion")
    #expect(jumps.first?["host_key"] as? String == route.bastion.hostKeyFingerprint)
    #expect(jumps.first?["port"] as? Int == route.bastion.port)
  }

  @Test func unknownAndChangedBastionKeysAreRefused() async throws {
    let route = try await Route.start()
    defer { route.stop() }
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    try route.target.trustInUserKnownHosts()
    let before = route.targetConnections
    let unknown = try await fixture.labrun(
      ["ping", "--host", "gpu-behind-bastion", "-F", route.config.path], environment: route.environment)
    #expect(unknown.status == 3, "\(unknown)")
    #expect(unknown.stderr.contains("jump host bastion"), "\(unknown.stderr)")
    #expect(
      unknown.stderr.contains("not known (ssh-ed25519 \(route.bastion.hostKeyFingerprint))"),
      "\(unknown.stderr)")
    #expect(route.targetConnections == before, "nothing may reach the target past an unverified bastion")
    #expect(!route.bastionForwardedToTarget)

    try route.target.trustInUserKnownHosts(others: [route.bastion])
    let old = route.bastion.hostKeyFingerprint
    route.bastion.stop()
    try route.bastion.regenerateHostKey(type: "ecdsa")
    try await BlockingWork.run { try route.bastion.start() }
    let changed = try await fixture.labrun(
      ["ping", "--host", "gpu-behind-bastion", "-F", route.config.path, "--accept-new-host-key"],
      environment: route.environment)
    #expect(changed.status == 3, "\(changed)")
    #expect(changed.stderr.contains("changed"), "\(changed.stderr)")
    #expect(changed.stderr.contains(old))
    #expect(changed.stderr.contains(route.bastion.hostKeyFingerprint))
    #expect(route.targetConnections == before)
  }

  @Test func pingAndSimulatedRunThroughAProxyCommand() async throws {
    let route = try await Route.start()
    defer { route.stop() }
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let ping = try await fixture.labrun(
      ["ping", "--host", "gpu-proxied", "-F", route.config.path], environment: route.environment)
    #expect(ping.status == 0, "\(ping)")
    #expect(ping.stdout.contains("host key   \(route.target.hostKeyFingerprint)"), "\(ping.stdout)")
    let uses = { (try? String(contentsOf: route.proxyLog, encoding: .utf8)) ?? "" }
    #expect(uses() == "127.0.0.1 \(route.target.port)\n", "the ProxyCommand ran, tokens expanded: \(uses())")

    let run = try await fixture.labrun(
      ["run", "--host", "sim+gpu-proxied", "-F", route.config.path], environment: route.environment)
    #expect(run.status == 0, "\(run)")
    let target = try #require(try Self.runRecord(fixture)["target"] as? [String: Any])
    #expect(target["host_key"] as? String == route.target.hostKeyFingerprint)
    #expect(target["jump_hosts"] == nil)
    #expect(uses().split(separator: "\n").count >= 2, "the run went through the ProxyCommand: \(uses())")
  }

  @Test func aliasLabrunCannotHonourFailsBeforeConnectingNamingTheOption() async throws {
    let route = try await Route.start()
    defer { route.stop() }
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let before = route.targetConnections
    for resolver in Self.resolvers {
      for arguments in [
        ["ping", "--host", "gpu-bound"], ["run", "--host", "sim+gpu-bound"],
        ["ping", "--host", "gpu-bound", "--resolve"],
      ] {
        let result = try await fixture.labrun(
          arguments + ["-F", route.config.path], environment: route.environment.merging(resolver) { $1 })
        #expect(result.status == 3, "\(resolver) \(arguments): \(result)")
        #expect(result.stderr.contains("BindAddress 127.0.0.1"), "\(resolver) \(arguments): \(result.stderr)")
        #expect(result.stderr.contains("cannot honour"))
      }
    }
    #expect(route.targetConnections == before, "no connection may be attempted: \(route.target.log)")
  }

  @Test func resolveShowsWhatLabrunWillUseAndConnectsToNothing() async throws {
    let route = try await Route.start()
    defer { route.stop() }
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let connections = (route.targetConnections, route.bastionConnections)
    for resolver in Self.resolvers {
      let environment = route.environment.merging(resolver) { $1 }
      let result = try await fixture.labrun(
        ["ping", "--host", "gpu-behind-bastion", "-F", route.config.path, "--resolve", "--json"],
        environment: environment)
      #expect(result.status == 0, "\(resolver): \(result)")
      let json = try #require(
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
      #expect(json["hostname"] as? String == "127.0.0.1")
      #expect(json["user"] as? String == route.target.user)
      #expect(json["port"] as? Int == route.target.port, "a number: \(String(describing: json["port"]))")
      #expect(json["identity_files"] as? [String] == [route.target.keys["ed25519"]?.path ?? ""])
      let knownHosts = json["known_hosts_files"] as? [String] ?? []
      // labrun's own known_hosts is the user's (XDG state), not the working directory's.
      #expect(knownHosts.first?.hasSuffix("/.local/state/labrun/known_hosts") == true, "\(knownHosts)")
      #expect(knownHosts.contains(route.target.clientHome.appendingPathComponent(".ssh/known_hosts").path))
      #expect(json.keys.contains("proxy_command") && json["proxy_command"] is NSNull)
      let jumps = json["proxy_jump"] as? [[String: Any]] ?? []
      #expect(jumps.count == 1)
      #expect(jumps.first?["name"] as? String == "bastion")
      #expect(jumps.first?["port"] as? Int == route.bastion.port)
      #expect(jumps.first?["identity_files"] as? [String] == [route.bastion.keys["ed25519"]?.path ?? ""])

      let proxied = try await fixture.labrun(
        ["ping", "--host", "gpu-proxied", "-F", route.config.path, "--resolve"], environment: environment)
      #expect(proxied.status == 0, "\(proxied)")
      #expect(
        proxied.stdout.contains("proxy command    sh -c 'echo \"127.0.0.1 \(route.target.port)\" >> "),
        "\(proxied.stdout)")
      #expect(proxied.stdout.contains("proxy jump       none"))
    }
    #expect(route.targetConnections == connections.0, "--resolve connected to the target")
    #expect(route.bastionConnections == connections.1, "--resolve connected to the bastion")
    #expect(
      (try? String(contentsOf: route.proxyLog, encoding: .utf8)) == nil, "--resolve ran the ProxyCommand")
  }

  /// The only run's run.json.
  static func runRecord(_ fixture: SelfTestLabFixture) throws -> [String: Any] {
    let data = try Data(contentsOf: try fixture.onlyRun().appendingPathComponent("run.json"))
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  }
}
