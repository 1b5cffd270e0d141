import Foundation

/// The simulated cluster's pods: `kubectl apply` with HAMi's scheduling, `describe` and
/// `exec` into a running pod.
extension SimTool {
  /// `kubectl apply -f -`: ConfigMaps are kept by name; pods are scheduled at once.
  func apply(_ manifest: String, namespace: String = "default") throws -> SimToolResult {
    let lines = manifest.split(separator: "\n").map(String.init)
    guard
      let kind = lines.first(where: { $0.hasPrefix("kind:") })?.dropFirst(5).trimmingCharacters(
        in: .whitespaces),
      let name = lines.first(where: { $0.hasPrefix("  name:") })?.dropFirst(7).trimmingCharacters(
        in: .whitespaces)
    else { return .fail("error: no objects passed to apply\n") }
    let bare = name.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
    if kind == "Namespace" { return try applyNamespace(lines, name: bare) }
    if kind == "ConfigMap", namespace != "default" {
      try store.update { state in
        var maps = state.namespacedConfigMaps ?? []
        if !maps.contains(namespace + "/" + bare) { maps.append(namespace + "/" + bare) }
        state.namespacedConfigMaps = maps
        state.change("apply configmap \(namespace)/\(bare)")
      }
      return .ok("configmap/\(bare) created\n")
    }
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
    let nodePolicy = text("hami.io/node-scheduler-policy")
    let pinnedNode = text("kubernetes.io/hostname")
    let image = text("image") ?? ""
    return try store.update { state -> SimToolResult in
      if state.pods.contains(where: { $0.name == bare }) { return .ok("pod/\(bare) unchanged\n") }
      var pod = SimState.Pod(
        name: bare, namespace: namespace, gpumemMiB: gpumem, gpus: gpus, gpucores: gpucores, phase: "Running",
        ip: "10.42.0.\(12 + state.pods.count)", events: [],
        labels: ["app.kubernetes.io/part-of": "labrun-hami-isolation"], nodePolicy: nodePolicy)
      if gpus > 0 {
        let placed = Self.schedule(
          state: state,
          request: SimGPURequest(gpumemMiB: gpumem, gpucores: gpucores, pinnedGPU: pinned, binpack: binpack),
          node: pinnedNode, nodePolicy: nodePolicy)
        let node = placed.node ?? state.nodeName
        if !state.registered && state.agents.isEmpty {
          pod.phase = "Pending"
          pod.events = [
            "FailedScheduling|Warning  FailedScheduling  16s   default-scheduler  0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
          ]
        } else if placed.gpu == nil, state.scenario != .oversubscribeScheduled {
          let count = state.clusterNodes.count
          pod.phase = "Pending"
          pod.events =
            [
              "FilteringFailed|Warning  FilteringFailed   16s (x2 over 16s)  hami-scheduler  no available node, \(placed.refusals.count) nodes do not meet"
            ]
            + placed.refusals.map {
              "FilteringFailed|Warning  FilteringFailed   16s (x2 over 16s)  hami-scheduler  1 nodes \($0.reason)(\($0.node))"
            } + [
              "FailedScheduling|Warning  FailedScheduling  16s (x2 over 16s)  hami-scheduler  0/\(count) nodes are available: \(count) node unregistered. preemption: 0/\(count) nodes are available: \(count) Preemption is not helpful for scheduling."
            ]
        } else if state.scenario == .imagePullFails {
          pod.phase = "Pending"
          pod.gpuUUID = placed.gpu
          pod.node = placed.node
          pod.events = [
            "Scheduled|Normal   Scheduled  40s   hami-scheduler  Successfully assigned default/\(bare) to \(node)",
            "Pulling|Normal   Pulling    39s   kubelet         Pulling image \"\(image)\"",
            "Failed|Warning  Failed     38s   kubelet         Failed to pull image \"\(image)\": failed to pull and unpack image \"docker.io/\(image)\": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/\(image.split(separator: ":").first ?? "")/manifests/sha256:7f9f3ce7dd2b0d3c0e3a1b6c2a9a9fbd1e2c4b5a6d7e8f90a1b2c3d4e5f6a7b8: 429 Too Many Requests - Server message: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit",
            "Failed|Warning  Failed     38s   kubelet         Error: ErrImagePull",
            "BackOff|Normal   BackOff    12s   kubelet         Back-off pulling image \"\(image)\"",
            "Failed|Warning  Failed     12s   kubelet         Error: ImagePullBackOff",
          ]
        } else {
          pod.gpuUUID = placed.gpu ?? state.node(named: node)?.profile.uuid ?? state.profile.uuid
          pod.node = placed.node
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

  func describe(_ pod: SimState.Pod, state: SimState) -> String {
    var out = "Name:             \(pod.name)\nNamespace:        \(pod.namespace)\n"
    let node = state.node(of: pod)
    out += "Node:             \(pod.phase == "Running" ? node.name + "/" + node.address : "<none>")\n"
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
  func exec(pod name: String, command: [String], state: SimState) -> SimToolResult {
    guard let pod = state.pods.first(where: { $0.name == name }), pod.phase == "Running" else {
      return .fail("error: unable to upgrade connection: container not found (\"cuda\")\n")
    }
    let node = state.node(of: pod)
    let injected = node.defaultRuntime == "nvidia" && state.hamiDeployed && pod.gpus > 0
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
        profile: node.profile, totalMiB: injected ? pod.gpumemMiB : node.profile.memoryMiB, migCell: "N/A")
      guard injected else { return .ok(table) }
      return .ok(
        "[HAMI-core Msg(\(pid):\(thread):libvgpu.c:836)]: Initializing.....\n" + table
          + "[HAMI-core Msg(\(pid):\(thread):multiprocess_memory_limit.c:497)]: Calling exit handler \(pid)\n"
      )
    case "sh" where joined.contains("/probe/probe.cu"):
      guard state.hasConfigMap("hami-probe", in: pod.namespace) else {
        return .fail(
          "nvcc fatal   : Cannot find source file /probe/probe.cu\ncommand terminated with exit code 1\n")
      }
      return .ok(
        Self.probe(profile: node.profile, sliceMiB: injected ? pod.gpumemMiB : nil, caps: caps, pid: pid))
    case "env":
      var lines = [
        "PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOSTNAME=\(pod.name)",
        "NVIDIA_REQUIRE_CUDA=cuda>=12.4 brand=tesla,driver>=470,driver<471",
        "NVIDIA_VISIBLE_DEVICES=\(pod.gpuUUID ?? node.profile.uuid)",
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
