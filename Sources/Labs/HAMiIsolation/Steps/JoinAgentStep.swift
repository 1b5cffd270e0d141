import Foundation
import LabPipeline

/// One agent joins the k3s server (k3s's agent install, as k3sup does over SSH, but without the
/// token on any command line): the agent must reach the server's 6443/tcp first, and the server
/// the agent's 10250/tcp (before the kubelet runs, a refused connection proves the port open; a
/// timeout is a firewall dropping it); the server's
/// node token is read with privilege, registered as the run's secret (redacted everywhere) and
/// handed to the agent on standard input into a root-only file that `K3S_TOKEN_FILE` names;
/// the agent runs the same pinned k3s with the nvidia default runtime and a node name of its
/// own; then the server must list the node Ready and reach its kubelet (10250/tcp). A join that
/// fails says why from the agent's own journal.
struct JoinAgentStep: Step {
  struct Output: Codable, Sendable, Equatable {
    /// The agent's node name in the cluster.
    var nodeName: String
    /// The agent's address (its INTERNAL-IP).
    var address: String
  }

  /// The agent as `--node` named it.
  let node: String

  var id: String { "join@" + node }
  var title: String { "Join \(node) to the k3s server as an agent" }
  func timeout(_ parameters: Parameters) -> Duration {
    ((try? parameters.duration("node_ready_timeout")) ?? .seconds(300)) + .seconds(900)
  }

  /// Where the agent keeps the token (root only; k3s-agent-uninstall.sh removes /etc/rancher/k3s).
  static let tokenFile = "/etc/rancher/k3s/join-token"
  static let exec = "agent --default-runtime nvidia"
  /// A node without a GPU.
  static let cpuExec = "agent"

  func check(_ ctx: StepContext) async throws -> Bool {
    let agent = ctx.on(node)
    let version = try ctx.parameters.string("k3s_version")
    let installed = try await agent.run("k3s --version")
    guard installed.succeeded, installed.stdoutText.contains(version),
      try await agent.run("systemctl is-active --quiet k3s-agent").succeeded
    else { return false }
    return try await Self.registered(at: try await Self.address(agent), ctx)?.ready == true
  }

  func observe(_ ctx: StepContext) async throws -> Output {
    let address = try await Self.address(ctx.on(node))
    guard let node = try await Self.registered(at: address, ctx) else {
      throw StepError.unexpected(
        "the server lists no node at \(address); run `kubectl get nodes -o wide` there")
    }
    return Output(nodeName: node.name, address: address)
  }

  /// The node the server lists at `address` (its INTERNAL-IP), and whether it is Ready.
  static func registered(at address: String, _ ctx: StepContext) async throws -> (name: String, ready: Bool)?
  {
    let rows = try await ctx.runChecked("kubectl get nodes -o wide --no-headers").stdoutLines
    for row in rows {
      let columns = row.split(separator: " ").map(String.init)
      if columns.count > 5, columns[5] == address { return (columns[0], columns[1] == "Ready") }
    }
    return nil
  }

  func apply(_ ctx: StepContext) async throws -> Output {
    let agent = ctx.on(node)
    let server = try await Self.serverAddress(ctx)
    try await Self.reach("https://\(server):6443/cacerts", from: agent, named: node, port: "6443/tcp")
    let address = try await Self.address(agent)
    try await Self.reach(
      "https://\(address):10250/healthz", from: ctx, named: "the server", port: "10250/tcp",
      beforeListening: true)
    let name = try await nodeName(ctx)
    let token = try await ctx.runChecked(
      RemoteCommand("cat /var/lib/rancher/k3s/server/node-token", privileged: true)
    ).trimmedStdout
    ctx.registerSecret(token)
    try await agent.runChecked(
      RemoteCommand(
        "umask 077 && mkdir -p /etc/rancher/k3s && tee \(Self.tokenFile) >/dev/null", privileged: true,
        stdin: Array((token + "\n").utf8)))
    // The nvidia default runtime only where there is a GPU: elsewhere it would fail every container.
    let hasGPU = try await agent.hasCommand("nvidia-smi")
    try await agent.runChecked(Self.install(ctx.parameters, server: server, name: name, gpu: hasGPU))
    try await ctx.wait(
      for: "node \(name) Ready", timeout: try ctx.parameters.duration("node_ready_timeout"),
      interval: .seconds(3)
    ) {
      if try await Self.isReady(name, ctx) { return true }
      let journal = try await agent.run(
        RemoteCommand("journalctl -u k3s-agent --no-pager -n 20", privileged: true)
      ).stdoutText
      if let cause = ClusterJoinError.cause(node: node, name: name, journal: ctx.redactor.redact(journal)) {
        throw cause
      }
      return false
    }
    try await Self.reach(
      "https://\(address):10250/healthz", from: ctx, named: "the server", port: "10250/tcp")
    return Output(nodeName: name, address: address)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let server = ctx.placeholder("server-address")
    return [
      RemoteCommand(Self.probe("https://\(server):6443/cacerts"), node: node),
      RemoteCommand("hostname -I", node: node),
      RemoteCommand(Self.probe("https://\(ctx.placeholder("agent-address")):10250/healthz")),
      RemoteCommand("cat /var/lib/rancher/k3s/server/node-token", privileged: true),
      RemoteCommand(
        "umask 077 && mkdir -p /etc/rancher/k3s && tee \(Self.tokenFile) >/dev/null", privileged: true,
        node: node),
      try Self.install(ctx.parameters, server: server, name: ctx.placeholder("node-name"), node: node),
      RemoteCommand("kubectl get node \(ctx.placeholder("node-name")) --no-headers"),
      RemoteCommand(Self.probe("https://\(ctx.placeholder("agent-address")):10250/healthz")),
    ]
  }

  /// The agent install: k3s's installer of the pinned release with the server's URL and the
  /// token's file (its content never on a command line).
  static func install(
    _ parameters: Parameters, server: String, name: String, node: String? = nil, gpu: Bool = true
  ) throws -> RemoteCommand {
    let version = try parameters.string("k3s_version")
    return RemoteCommand(
      "\(HostCommands.privateDirectory)"
        + " && curl -sfL -o \"$d/install.sh\" \(ShellQuote.quote(K3sInstallStep.installerURL(version: version)))"
        + " && INSTALL_K3S_VERSION=\(ShellQuote.quote(version)) INSTALL_K3S_EXEC=\(ShellQuote.quote(gpu ? exec : cpuExec))"
        + " K3S_URL=\(ShellQuote.quote("https://\(server):6443")) K3S_TOKEN_FILE=\(tokenFile)"
        + " K3S_NODE_NAME=\(ShellQuote.quote(name)) sh \"$d/install.sh\"",
      privileged: true, timeout: .seconds(840), node: node)
  }

  /// `curl` that prints only the HTTP status: any answer proves the port open.
  static func probe(_ url: String) -> String {
    "curl -sk --connect-timeout 5 -o /dev/null -w '%{http_code}' \(ShellQuote.quote(url))"
  }

  /// Throws ``ClusterJoinError/portBlocked(from:to:port:detail:)`` unless `url` answers from
  /// `ctx`. `beforeListening`: nothing listens there yet (an agent's kubelet before it joins), so
  /// a refused connection (curl exit 7) proves the port open too; a timeout (28) is a firewall.
  static func reach(
    _ url: String, from ctx: StepContext, named: String, port: String, beforeListening: Bool = false
  ) async throws {
    let answer = try await ctx.run(probe(url))
    guard answer.succeeded || (beforeListening && answer.exitStatus == 7) else {
      let detail =
        answer.stderrText.split(separator: "\n").first.map(String.init) ?? "curl exit \(answer.exitStatus)"
      throw ClusterJoinError.portBlocked(from: named, to: url, port: port, detail: detail)
    }
  }

  /// The address agents use for the server: `node_address`, else the server's first address.
  static func serverAddress(_ ctx: StepContext) async throws -> String {
    let given = (try? ctx.parameters.string("node_address")) ?? ""
    if !given.isEmpty { return given }
    return try await address(ctx)
  }

  /// A machine's first address (`hostname -I`).
  static func address(_ ctx: StepContext) async throws -> String {
    let words = try await ctx.runChecked("hostname -I").stdoutText.split(separator: " ")
    guard let first = words.first.map(String.init), !first.isEmpty else {
      throw StepError.unexpected("`hostname -I` printed no address; set --param node_address=ADDRESS")
    }
    return first.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// The agent's host name, unless the cluster has a node of that name: then the name with the
  /// `--node` name appended (`K3S_NODE_NAME`), as k3s would otherwise refuse the agent.
  func nodeName(_ ctx: StepContext) async throws -> String {
    let hostname = try await ctx.on(node).runChecked("hostname").trimmedStdout
    let taken = try await ctx.runChecked("kubectl get nodes -o jsonpath='{.items[*].metadata.name}'")
      .trimmedStdout.split(separator: " ").map(String.init)
    guard taken.contains(hostname) else { return hostname }
    let suffix = String(node.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    return hostname + "-" + suffix
  }

  static func isReady(_ name: String, _ ctx: StepContext) async throws -> Bool {
    let row = try await ctx.run("kubectl get node \(ShellQuote.quote(name)) --no-headers")
    return row.succeeded && row.stdoutText.split(separator: " ").dropFirst().first == "Ready"
  }
}
