import Foundation

/// The `hami.io/node-nvidia-register` node annotation: the devices HAMi's device plugin
/// registered.
///
/// HAMi 2.x writes JSON (`[{"id":"GPU-…","count":10,"devmem":49140,"devcore":100,
/// "type":"NVIDIA RTX A6000","numa":0,"mode":"hami-core","health":true}]`); older releases
/// wrote `id,count,devmem,devcore,type,numa,health[,index,mode]:` entries.
public struct HAMiRegistration: Sendable, Hashable {
  public struct Device: Sendable, Hashable {
    public var id: String
    /// deviceSplitCount: how many pods may share this card.
    public var count: Int?
    /// Registered memory in MiB.
    public var devmem: Int?
    public var devcore: Int?
    public var type: String?
    public var mode: String?
    public var health: Bool?
  }

  public enum Format: String, Sendable, Hashable {
    case json, legacy
  }

  public var devices: [Device]
  public var format: Format
  /// The line the annotation was read from.
  public var line: String

  /// Finds and parses the annotation in `lines`; `nil` when there is none.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    for line in lines {
      if let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]"), open < close,
        line[open...].hasPrefix("[{")
      {
        let json = Data(line[open...close].utf8)
        if let list = try? JSONSerialization.jsonObject(with: json) as? [[String: Any]], !list.isEmpty {
          let devices = list.compactMap(Self.device(json:))
          if devices.count == list.count {
            self.devices = devices
            self.format = .json
            self.line = line
            return
          }
        }
      }
      if let devices = Self.legacy(line) {
        self.devices = devices
        self.format = .legacy
        self.line = line
        return
      }
    }
    // Pretty-printed JSON spans lines: read from the first `[` that opens an object array.
    let text = lines.joined(separator: "\n")
    if let open = text.firstRange(of: #/\[\s*\{/#)?.lowerBound, let close = text.lastIndex(of: "]"),
      open < close,
      let list = try? JSONSerialization.jsonObject(with: Data(text[open...close].utf8)) as? [[String: Any]],
      !list.isEmpty
    {
      let devices = list.compactMap(Self.device(json:))
      if devices.count == list.count {
        self.devices = devices
        self.format = .json
        self.line = String(text[open...close]).split(separator: "\n").map {
          $0.trimmingCharacters(in: .whitespaces)
        }.joined()
        return
      }
    }
    return nil
  }

  private static func device(json: [String: Any]) -> Device? {
    guard let id = json["id"] as? String else { return nil }
    func int(_ key: String) -> Int? {
      if let number = json[key] as? NSNumber { return number.intValue }
      if let text = json[key] as? String { return Int(text) }
      return nil
    }
    return Device(
      id: id, count: int("count"), devmem: int("devmem"), devcore: int("devcore"),
      type: json["type"] as? String,
      mode: json["mode"] as? String, health: (json["health"] as? NSNumber)?.boolValue)
  }

  private static func legacy(_ line: String) -> [Device]? {
    var text = line.trimmingCharacters(in: .whitespaces)
    if let range = text.range(of: "node-nvidia-register") {
      text = String(text[range.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: ": \"'="))
    }
    guard text.hasPrefix("GPU-") else { return nil }
    var devices: [Device] = []
    // A device plugin log shows the annotation inside `map[… ]`: the last entry is `]`.
    for entry in text.split(separator: ":") where entry.contains(",") {
      let fields = entry.split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      guard fields.count >= 7, fields[0].hasPrefix("GPU-"), let count = Int(fields[1]),
        let devmem = Int(fields[2])
      else { return nil }
      devices.append(
        Device(
          id: fields[0], count: count, devmem: devmem, devcore: Int(fields[3]), type: fields[4],
          mode: fields.count >= 9 ? fields[8] : nil, health: fields[6] == "true"))
    }
    return devices.isEmpty ? nil : devices
  }

  /// `NVIDIA-Tesla T4` → `Tesla T4`, `NVIDIA-NVIDIA H20-3e` → `NVIDIA H20-3e`: HAMi prefixes
  /// the vendor when registering; the model name is what follows.
  static func modelName(_ type: String) -> String {
    type.hasPrefix("NVIDIA-") ? String(type.dropFirst("NVIDIA-".count)) : type
  }
}
