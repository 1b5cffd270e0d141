import Foundation

/// kubectl against the simulated single-node k3s cluster with HAMi.
extension SimTool {
  func kubectl(_ arguments: [String]) throws -> SimToolResult {
    let state = store.load()
    guard state.kubernetesReady else {
      return .fail(
        "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?\n")
    }
    var args = arguments
    var namespace = "default"
    var allNamespaces = false
    if let index = args.firstIndex(of: "-n"), index + 1 < args.count {
      namespace = args[index + 1]
      args.removeSubrange(index...(index + 1))
    }
    if let index = args.firstIndex(of: "-A") {
      allNamespaces = true
      args.remove(at: index)
    }
    if let dash = args.firstIndex(of: "--"), args.first == "exec" {
      return exec(pod: args[1], command: Array(args[(dash + 1)...]), state: state)
    }
    let jsonpath = args.first { $0.hasPrefix("jsonpath=") }.map { String($0.dropFirst("jsonpath=".count)) }
    let words = positional(args)
    switch words.first {
    case "version":
      return .ok(
        "Client Version: \(state.k3sVersion ?? "")\nKustomize Version: v5.6.0\nServer Version: \(state.k3sVersion ?? "")\n"
      )
    case "wait": return waitFor(args, state: state)
    case "apply": return try apply(readInput())
    case "label": return try label(words, state: state)
    case "annotate": return try annotate(words, state: state)
    case "delete": return try delete(args)
    case "describe":
      guard let pod = state.pods.first(where: { $0.name == words.last }) else {
        return .fail("Error from server (NotFound): pods \"\(words.last ?? "")\" not found\n")
      }
      return .ok(describe(pod, state: state))
    case "get":
      return get(
        Array(words.dropFirst()), namespace: namespace, all: allNamespaces, jsonpath: jsonpath, args: args,
        state: state)
    default:
      return .fail("error: unknown command \"\(words.first ?? "")\" for \"kubectl\"\n")
    }
  }

  private func get(
    _ words: [String], namespace: String, all: Bool, jsonpath: String?, args: [String], state: SimState
  ) -> SimToolResult {
    let kind = words.first ?? ""
    let name = words.dropFirst().first
    let noHeaders = args.contains("--no-headers")
    let selector = args.firstIndex(of: "-l").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    switch kind {
    case "nodes", "node", "no":
      if let jsonpath {
        if jsonpath == "{.items[0].metadata.name}" { return .ok(state.nodeName) }
        return .ok(nodeField(jsonpath, state: state))
      }
      let header =
        "NAME               STATUS   ROLES                  AGE     VERSION        INTERNAL-IP   EXTERNAL-IP   OS-IMAGE             KERNEL-VERSION       CONTAINER-RUNTIME\n"
      let row =
        "\(padRight(state.nodeName, 18)) Ready    control-plane,master   6m12s   \(padRight(state.k3sVersion ?? "", 14)) 10.0.0.5      <none>        Ubuntu 22.04.4 LTS   5.15.0-113-generic   containerd://2.0.5-k3s1\n"
      return .ok((noHeaders ? "" : header) + row)
    case "runtimeclass", "runtimeclasses":
      guard state.toolkitInstalled else {
        return .fail("Error from server (NotFound): runtimeclasses.node.k8s.io \"\(name ?? "")\" not found\n")
      }
      return .ok("NAME     HANDLER   AGE\nnvidia   nvidia    6m\n")
    case "daemonsets", "daemonset", "ds":
      var rows: [String] = [
        "kube-system   svclb-traefik-5c8e1f2a   1   1   1   1   1   <none>   6m"
      ]
      if state.scenario == .gpuOperatorPresent {
        rows.append(
          "gpu-operator   nvidia-device-plugin-daemonset   1   1   1   1   1   nvidia.com/gpu.deploy.device-plugin=true   41d"
        )
        rows.append(
          "gpu-operator   gpu-operator-node-feature-discovery-worker   1   1   1   1   1   <none>   41d")
      }
      if state.scenario == .devicePluginPresent {
        rows.append("kube-system   nvidia-device-plugin-daemonset   1   1   1   1   1   <none>   41d")
      }
      if state.hamiDeployed {
        rows.append("kube-system   hami-device-plugin   1   1   1   1   1   gpu=on   3m")
      }
      return .ok(rows.map { $0 + "\n" }.joined())
    case "endpoints", "endpoint", "ep":
      // Kubernetes 1.33 deprecated v1 Endpoints: every read warns.
      let warning = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n"
      guard state.hamiDeployed else {
        return .fail(warning + "Error from server (NotFound): endpoints \"\(name ?? "")\" not found\n")
      }
      return .exit(
        stdout: jsonpath != nil
          ? "10.42.0.9"
          : "NAME             ENDPOINTS                         AGE\nhami-scheduler   10.42.0.9:443,10.42.0.9:443   3m\n",
        stderr: warning, status: 0)
    case "endpointslices", "endpointslice", "endpointslices.discovery.k8s.io":
      guard state.hamiDeployed, selector == "kubernetes.io/service-name=hami-scheduler" else {
        return .ok(jsonpath != nil ? "" : "No resources found in \(namespace) namespace.\n")
      }
      if let jsonpath {
        return .ok(jsonpath.contains("conditions.ready") ? "10.42.0.9 true\n" : "10.42.0.9")
      }
      return .ok(
        "NAME                   ADDRESSTYPE   PORTS   ENDPOINTS   AGE\nhami-scheduler-7xk2p   IPv4          443     10.42.0.9   3m\n"
      )
    case "secret", "secrets":
      let found = state.secrets.filter { name == nil || $0 == name }
      if found.isEmpty {
        if args.contains("--ignore-not-found") { return .ok() }
        return .fail("Error from server (NotFound): secrets \"\(name ?? "")\" not found\n")
      }
      return .ok(found.map { "secret/\($0)\n" }.joined())
    case "deploy", "deployment":
      guard state.hamiDeployed else {
        return .fail("Error from server (NotFound): deployments.apps \"hami-scheduler\" not found\n")
      }
      return .ok(
        "\(state.hamiSchedulerImage ?? "")\ndocker.io/projecthami/hami:v\(state.hamiChartVersion ?? "")\n")
    case "events", "event", "ev":
      let field = args.firstIndex(of: "--field-selector").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
      let podName = field?.split(separator: "=").last.map(String.init)
      let events = state.pods.filter { $0.name == podName }.flatMap(\.events)
      if jsonpath?.contains(".message") == true {
        return .ok(
          events.map { event in
            let reason = event.split(separator: "|").first.map(String.init) ?? ""
            let display = event.split(separator: "|", maxSplits: 1).last.map(String.init) ?? ""
            let message = display.components(separatedBy: "  ").filter { !$0.isEmpty }.last ?? ""
            return reason + ": " + message.trimmingCharacters(in: .whitespaces) + "\n"
          }.joined())
      }
      return .ok(events.map { ($0.split(separator: "|").first.map(String.init) ?? "") + "\n" }.joined())
    case "pods", "pod", "po", "pods,configmaps":
      if namespace == "kube-system" {
        guard state.hamiDeployed else { return .ok("No resources found in kube-system namespace.\n") }
        return .ok(
          "NAME                              READY   STATUS    RESTARTS   AGE    IP          NODE               NOMINATED NODE   READINESS GATES\n"
            + "hami-device-plugin-wtchf          2/2     Running   0          3m2s   10.0.0.5    \(padRight(state.nodeName, 18)) <none>           <none>\n"
            + "hami-scheduler-78db5bffbc-hf2jf   2/2     Running   0          3m2s   10.42.0.9   \(padRight(state.nodeName, 18)) <none>           <none>\n"
        )
      }
      var pods = state.pods.filter { all || $0.namespace == namespace }
      if let name { pods = pods.filter { $0.name == name } }
      if let selector {
        let parts = selector.split(separator: "=").map(String.init)
        pods = pods.filter { parts.count == 2 && $0.labels[parts[0]] == parts[1] }
      }
      if let name, pods.isEmpty { return .fail("Error from server (NotFound): pods \"\(name)\" not found\n") }
      if args.contains("name") {
        var names = pods.map { "pod/\($0.name)" }
        if kind == "pods,configmaps" { names += state.configMaps.map { "configmap/\($0)" } }
        return .ok(names.map { $0 + "\n" }.joined())
      }
      if jsonpath == "{.status.phase}", let pod = pods.first { return .ok(pod.phase) }
      if let jsonpath, jsonpath.contains("vgpu-devices-allocated"), let pod = pods.first {
        guard pod.phase == "Running", let gpu = pod.gpuUUID else { return .ok() }
        return .ok("\(gpu),NVIDIA,\(pod.gpumemMiB),\(pod.gpucores ?? 0):;")
      }
      if let jsonpath, jsonpath.contains("containerStatuses") {
        let named = words.dropFirst()
        let listed = named.isEmpty ? pods : state.pods.filter { named.contains($0.name) }
        return .ok(
          listed.map { pod in
            let waiting =
              pod.events.last { $0.hasPrefix("Failed|") && $0.contains("Error: ") }
              .map { String($0.split(separator: " ").last ?? "") }
              ?? (pod.phase == "Running" ? "" : "ContainerCreating")
            return "\(pod.name) \(pod.phase) \(pod.phase == "Running" ? "True" : "False") \(waiting)\n"
          }.joined())
      }
      if pods.isEmpty { return .ok("No resources found in \(namespace) namespace.\n") }
      var out =
        "NAME                 READY   STATUS    RESTARTS   AGE   IP           NODE               NOMINATED NODE   READINESS GATES\n"
      for pod in pods {
        let running = pod.phase == "Running"
        out +=
          "\(padRight(pod.name, 20)) \(running ? "1/1" : "0/1")     \(padRight(pod.phase, 9)) 0          41s   \(padRight(pod.ip, 12)) \(padRight(running ? state.nodeName : "<none>", 18)) <none>           <none>\n"
      }
      return .ok(out)
    default:
      return .fail("error: the server doesn't have a resource type \"\(kind)\"\n")
    }
  }

  private func nodeField(_ jsonpath: String, state: SimState) -> String {
    switch jsonpath {
    case "{.metadata.labels.gpu}": return state.nodeLabels["gpu"] ?? ""
    case "{.status.allocatable.nvidia\\.com/gpu}":
      return state.registered ? String(SimState.deviceSplitCount) : ""
    case "{.metadata.annotations.hami\\.io/node-nvidia-register}":
      return state.nodeAnnotations["hami.io/node-nvidia-register"] ?? ""
    case "{.metadata.annotations}":
      var all = [
        "flannel.alpha.coreos.com/backend-type": "vxlan", "k3s.io/hostname": state.nodeName,
        "node.alpha.kubernetes.io/ttl": "0",
      ]
      all.merge(state.nodeAnnotations) { $1 }
      let data =
        (try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys, .withoutEscapingSlashes]))
        ?? Data("{}".utf8)
      return String(decoding: data, as: UTF8.self)
    default: return ""
    }
  }

  private func waitFor(_ args: [String], state: SimState) -> SimToolResult {
    let targets = args.filter { $0.hasPrefix("pod/") || $0.hasPrefix("node") }
    if args.contains("node") || args.contains("nodes") {
      return .ok("node/\(state.nodeName) condition met\n")
    }
    var out = ""
    for target in targets {
      let name = String(target.dropFirst("pod/".count))
      guard let pod = state.pods.first(where: { $0.name == name }) else {
        return .fail("Error from server (NotFound): pods \"\(name)\" not found\n", stdout: out)
      }
      guard pod.phase == "Running" else {
        return .fail("error: timed out waiting for the condition on pods/\(name)\n", stdout: out)
      }
      out += "pod/\(name) condition met\n"
    }
    return .ok(out)
  }

  private func label(_ words: [String], state: SimState) throws -> SimToolResult {
    guard words.count >= 4, words[2] == state.nodeName else {
      return .fail("error: resource(s) were provided, but no name was specified\n")
    }
    let change = words[3]
    try store.update { state in
      if change.hasSuffix("-") {
        // A label that comes back (e.g. a node-labelling controller): down must notice.
        guard state.scenario != .labelSticks else { return }
        state.nodeLabels[String(change.dropLast())] = nil
      } else {
        let parts = change.split(separator: "=").map(String.init)
        if parts.count == 2 { state.nodeLabels[parts[0]] = parts[1] }
      }
      state.change("label node \(change)")
    }
    return .ok("node/\(state.nodeName) labeled\n")
  }

  private func annotate(_ words: [String], state: SimState) throws -> SimToolResult {
    guard words.count >= 4, words[2] == state.nodeName else {
      return .fail("error: resource(s) were provided, but no name was specified\n")
    }
    try store.update { state in
      for change in words.dropFirst(3) {
        if change.hasSuffix("-") {
          state.nodeAnnotations[String(change.dropLast())] = nil
        } else {
          let parts = change.split(separator: "=", maxSplits: 1).map(String.init)
          if parts.count == 2 { state.nodeAnnotations[parts[0]] = parts[1] }
        }
        state.change("annotate node \(change)")
      }
    }
    return .ok("node/\(state.nodeName) annotated\n")
  }

  private func delete(_ args: [String]) throws -> SimToolResult {
    let words = positional(args)
    if words.dropFirst().first == "secret" || words.dropFirst().first == "secrets" {
      let name = words.dropFirst(2).first ?? ""
      let deleted = try store.update { state -> Bool in
        guard state.secrets.contains(name) else { return false }
        state.secrets.removeAll { $0 == name }
        state.change("delete secret \(name)")
        return true
      }
      if deleted { return .ok("secret \"\(name)\" deleted\n") }
      if args.contains("--ignore-not-found") { return .ok() }
      return .fail("Error from server (NotFound): secrets \"\(name)\" not found\n")
    }
    let selector = args.firstIndex(of: "-l").flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
    let parts = selector?.split(separator: "=").map(String.init) ?? []
    let out = try store.update { state -> String in
      var out = ""
      for pod in state.pods where parts.count == 2 && pod.labels[parts[0]] == parts[1] {
        out += "pod \"\(pod.name)\" deleted\n"
      }
      state.pods.removeAll { parts.count == 2 && $0.labels[parts[0]] == parts[1] }
      for map in state.configMaps { out += "configmap \"\(map)\" deleted\n" }
      state.configMaps = []
      if !out.isEmpty { state.change("delete lab objects") }
      return out
    }
    return .ok(out)
  }

  /// `kubectl apply -f -`: ConfigMaps are kept by name; pods are scheduled at once.
  private func apply(_ manifest: String) throws -> SimToolResult {
    let lines = manifest.split(separator: "\n").map(String.init)
    guard
      let kind = lines.first(where: { $0.hasPrefix("kind:") })?.dropFirst(5).trimmingCharacters(
        in: .whitespaces),
      let name = lines.first(where: { $0.hasPrefix("  name:") })?.dropFirst(7).trimmingCharacters(
        in: .whitespaces)
    else { return .fail("error: no objects passed to apply\n") }
    let bare = name.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
    if kind == "ConfigMap" {
      try store.update { state in
        if !state.configMaps.contains(bare) { state.configMaps.append(bare) }
        state.change("apply configmap \(bare)")
      }
      return .ok("configmap/\(bare) created\n")
    }
    func text(_ key: String) -> String? {
      lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") }
        .map {
          String($0.split(separator: ":", maxSplits: 1).last ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        }
    }
    func number(_ key: String) -> Int? {
      lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") }
        .flatMap {
          Int($0.split(separator: ":").last?.trimmingCharacters(in: CharacterSet(charactersIn: " \"'")) ?? "")
        }
    }
    let gpumem = number("nvidia.com/gpumem") ?? 0
    let gpus = number("nvidia.com/gpu") ?? 0
    let gpucores = number("nvidia.com/gpucores") ?? 0
    let pinned = text("nvidia.com/use-gpuuuid")
    let binpack = text("hami.io/gpu-scheduler-policy") == "binpack"
    let image = text("image") ?? ""
    return try store.update { state -> SimToolResult in
      if state.pods.contains(where: { $0.name == bare }) { return .ok("pod/\(bare) unchanged\n") }
      var pod = SimState.Pod(
        name: bare, namespace: "default", gpumemMiB: gpumem, gpus: gpus, gpucores: gpucores, phase: "Running",
        ip: "10.42.0.\(12 + state.pods.count)", events: [],
        labels: ["app.kubernetes.io/part-of": "labrun-hami-isolation"])
      let node = state.nodeName
      if gpus > 0 {
        if !state.registered {
          pod.phase = "Pending"
          pod.events = [
            "FailedScheduling|Warning  FailedScheduling  16s   default-scheduler  0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
          ]
        } else if case let placed = Self.place(
          state: state, gpumemMiB: gpumem, gpucores: gpucores, pinned: pinned, binpack: binpack),
          let reason = placed.reason, state.scenario != .oversubscribeScheduled
        {
          pod.phase = "Pending"
          pod.events = [
            "FilteringFailed|Warning  FilteringFailed   16s (x2 over 16s)  hami-scheduler  no available node, 1 nodes do not meet",
            "FilteringFailed|Warning  FilteringFailed   16s (x2 over 16s)  hami-scheduler  1 nodes \(reason)(\(node))",
            "FailedScheduling|Warning  FailedScheduling  16s (x2 over 16s)  hami-scheduler  0/1 nodes are available: 1 node unregistered. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
          ]
        } else if state.scenario == .imagePullFails {
          pod.phase = "Pending"
          pod.gpuUUID =
            Self.place(state: state, gpumemMiB: gpumem, gpucores: gpucores, pinned: pinned, binpack: binpack)
            .gpu
          pod.events = [
            "Scheduled|Normal   Scheduled  40s   hami-scheduler  Successfully assigned default/\(bare) to \(node)",
            "Pulling|Normal   Pulling    39s   kubelet         Pulling image \"\(image)\"",
            "Failed|Warning  Failed     38s   kubelet         Failed to pull image \"\(image)\": failed to pull and unpack image \"docker.io/\(image)\": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/\(image.split(separator: ":").first ?? "")/manifests/sha256:7f9f3ce7dd2b0d3c0e3a1b6c2a9a9fbd1e2c4b5a6d7e8f90a1b2c3d4e5f6a7b8: 429 Too Many Requests - Server message: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit",
            "Failed|Warning  Failed     38s   kubelet         Error: ErrImagePull",
            "BackOff|Normal   BackOff    12s   kubelet         Back-off pulling image \"\(image)\"",
            "Failed|Warning  Failed     12s   kubelet         Error: ImagePullBackOff",
          ]
        } else {
          pod.gpuUUID =
            Self.place(state: state, gpumemMiB: gpumem, gpucores: gpucores, pinned: pinned, binpack: binpack)
            .gpu
            ?? state.profile.uuid
          pod.events = [
            "Scheduled|Normal  Scheduled  16s   hami-scheduler  Successfully assigned default/\(bare) to \(node)",
            "Started|Normal  Started    15s   kubelet         Started container cuda",
          ]
        }
      }
      state.pods.append(pod)
      state.change("apply pod \(bare)")
      return .ok("pod/\(bare) created\n")
    }
  }

  /// HAMi's per-card filter: the reason no card takes the pod, or nil when one does.
  static func filterReason(state: SimState, gpumemMiB: Int, gpucores: Int) -> String? {
    place(state: state, gpumemMiB: gpumemMiB, gpucores: gpucores, pinned: nil, binpack: false).reason
  }

  /// The card HAMi's scheduler gives a pod, or why none: memory, then cores (percent of the
  /// card), then shares, per card. `nvidia.com/use-gpuuuid` limits the cards; among those that
  /// fit, HAMi's default policy (spread) takes the least used card, binpack the most used.
  static func place(
    state: SimState, gpumemMiB: Int, gpucores: Int, pinned: String?, binpack: Bool
  ) -> (gpu: String?, reason: String?) {
    var cards = (0..<state.profile.gpuCount).map { state.profile.uuid(of: $0) }
    if let pinned {
      let allowed = Set(pinned.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
      cards = cards.filter(allowed.contains)
    }
    var reason = "CardUuidMismatch"
    var fitting: [(String, Int)] = []
    for card in cards {
      let running = state.pods.filter {
        $0.phase == "Running" && $0.gpus > 0 && ($0.gpuUUID ?? state.profile.uuid) == card
      }
      let used = state.allocatedMiB(on: card)
      if used + gpumemMiB > state.profile.memoryMiB {
        reason = "CardInsufficientMemory"
      } else if running.reduce(gpucores, { $0 + ($1.gpucores ?? 0) }) > 100 {
        reason = "CardInsufficientCore"
      } else if running.count + 1 > SimState.deviceSplitCount {
        reason = "CardInsufficientCount"
      } else {
        fitting.append((card, used))
      }
    }
    let chosen = binpack ? fitting.max { $0.1 < $1.1 } : fitting.min { $0.1 < $1.1 }
    guard let chosen else { return (nil, reason) }
    return (chosen.0, nil)
  }

  private func describe(_ pod: SimState.Pod, state: SimState) -> String {
    var out = "Name:             \(pod.name)\nNamespace:        \(pod.namespace)\n"
    out += "Node:             \(pod.phase == "Running" ? state.nodeName + "/10.0.0.5" : "<none>")\n"
    out += "Status:           \(pod.phase)\n"
    out += "Limits:\n      nvidia.com/gpu:     \(pod.gpus)\n      nvidia.com/gpumem:  \(pod.gpumemMiB)\n"
    out += "Events:\n"
    let events = pod.events.map { $0.split(separator: "|", maxSplits: 1).last.map(String.init) ?? "" }
    let typeWidth = max(4, (events.map { $0.split(separator: " ").first?.count ?? 0 }.max() ?? 0))
    let reasonWidth = max(
      6, (events.map { $0.split(separator: " ").dropFirst().first?.count ?? 0 }.max() ?? 0))
    out +=
      "  \(padRight("Type", typeWidth + 2))\(padRight("Reason", reasonWidth + 2))Age                From            Message\n"
    out +=
      "  \(padRight("----", typeWidth + 2))\(padRight("------", reasonWidth + 2))----               ----            -------\n"
    for event in events { out += "  \(event)\n" }
    return out
  }

  /// `kubectl exec POD -- …`: what the container sees, with or without HAMi-core.
  private func exec(pod name: String, command: [String], state: SimState) -> SimToolResult {
    guard let pod = state.pods.first(where: { $0.name == name }), pod.phase == "Running" else {
      return .fail("error: unable to upgrade connection: container not found (\"cuda\")\n")
    }
    let injected = state.defaultRuntime == "nvidia" && state.hamiDeployed && pod.gpus > 0
    let caps = injected && state.scenario != .viewOnly
    let pid = (try? store.update { $0.pid() }) ?? 52
    let thread = 140_234_618_070_848
    let joined = command.joined(separator: " ")
    switch command.first {
    case "nvidia-smi":
      guard pod.gpus > 0 else {
        return .fail(
          "OCI runtime exec failed: exec: \"nvidia-smi\": executable file not found in $PATH: unknown\ncommand terminated with exit code 126\n",
          status: 126)
      }
      let table = Self.table(
        profile: state.profile, totalMiB: injected ? pod.gpumemMiB : state.profile.memoryMiB, migCell: "N/A")
      guard injected else { return .ok(table) }
      return .ok(
        "[HAMI-core Msg(\(pid):\(thread):libvgpu.c:836)]: Initializing.....\n" + table
          + "[HAMI-core Msg(\(pid):\(thread):multiprocess_memory_limit.c:497)]: Calling exit handler \(pid)\n"
      )
    case "sh" where joined.contains("/probe/probe.cu"):
      guard state.configMaps.contains("hami-probe") else {
        return .fail(
          "nvcc fatal   : Cannot find source file /probe/probe.cu\ncommand terminated with exit code 1\n")
      }
      return .ok(
        Self.probe(profile: state.profile, sliceMiB: injected ? pod.gpumemMiB : nil, caps: caps, pid: pid))
    case "env":
      var lines = [
        "PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOSTNAME=\(pod.name)",
        "NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471",
        "NVIDIA_VISIBLE_DEVICES=\(pod.gpuUUID ?? state.profile.uuid)",
      ]
      if injected {
        lines += [
          "CUDA_DEVICE_MEMORY_LIMIT_0=\(pod.gpumemMiB)m", "CUDA_DEVICE_SM_LIMIT=0",
          "CUDA_DEVICE_MEMORY_SHARED_CACHE=/usr/local/vgpu/0b2c1e6a-3f55-4a8e-9d0e-7f3b5c2a1d44.cache",
        ]
      }
      lines += [
        "NVIDIA_DRIVER_CAPABILITIES=compute,utility", "CUDA_VERSION=12.4.1",
        "LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64", "KUBERNETES_SERVICE_HOST=10.43.0.1",
        "KUBERNETES_SERVICE_PORT=443", "HOME=/root",
      ]
      return .ok(lines.joined(separator: "\n") + "\n")
    case "cat" where command.last == "/etc/ld.so.preload":
      guard injected else {
        return .fail(
          "cat: /etc/ld.so.preload: No such file or directory\ncommand terminated with exit code 1\n")
      }
      return .ok("/usr/local/vgpu/libvgpu.so\n")
    case "ls":
      guard injected else {
        return .fail(
          "ls: cannot access '/usr/local/vgpu/': No such file or directory\ncommand terminated with exit code 2\n",
          status: 2)
      }
      let injectedAt = SimClock.ls(store.load().hamiDeployedAt ?? Date())
      return .ok(
        "total 2084\n-rw-r--r-- 1 root root      27 \(injectedAt) ld.so.preload\n"
          + "-rwxr-xr-x 1 root root 2126848 \(injectedAt) libvgpu.so\n")
    default:
      return .fail(
        "OCI runtime exec failed: exec: \"\(command.first ?? "")\": executable file not found in $PATH: unknown\ncommand terminated with exit code 126\n",
        status: 126)
    }
  }
}
