import Foundation

/// run.json (schema `labrun.run/v1`) as a bundle carries it, read by the verifier.
///
/// Decoded leniently: unknown fields are ignored, numbers may be JSON numbers or strings, and
/// a missing field is `nil` rather than an error, so the verifier can say precisely what is
/// missing instead of refusing the whole bundle. Parameters stay raw: each lab reads its own,
/// leniently (``RecordedValue/wholeNumber``, ``RecordedValue/text``, ``RecordedValue/names``).
public struct RecordedRun: Sendable, Hashable {
  public var schema: String?
  public var runID: String?
  public var lab: String?
  /// The target, when `target.name` and a known `target.kind` are present.
  public var target: TargetInfo?
  /// `target.kind` as written, even when it is not one labrun knows.
  public var targetKindText: String?
  public var startedAt: String?
  public var finishedAt: String?
  public var labrunVersion: String?
  public var parameters: Parameters

  public init(
    schema: String? = nil, runID: String? = nil, lab: String? = nil, target: TargetInfo? = nil,
    targetKindText: String? = nil, startedAt: String? = nil, finishedAt: String? = nil,
    labrunVersion: String? = nil, parameters: Parameters = Parameters()
  ) {
    self.schema = schema
    self.runID = runID
    self.lab = lab
    self.target = target
    self.targetKindText = targetKindText ?? target?.kind.rawValue
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.labrunVersion = labrunVersion
    self.parameters = parameters
  }

  /// Parses run.json's bytes.
  /// - Throws: ``EvidenceBundleError/runRecordUnreadable(path:reason:)`` when it is not a JSON object.
  public init(json data: Data, path: String = "run.json") throws {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: data)
    } catch {
      throw EvidenceBundleError.runRecordUnreadable(
        path: path,
        reason: ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String).map {
          "not valid JSON (\($0))"
        }
          ?? "not valid JSON")
    }
    guard let root = object as? [String: Any] else {
      throw EvidenceBundleError.runRecordUnreadable(path: path, reason: "the top level is not a JSON object")
    }
    let target = root["target"] as? [String: Any]
    let kindText = target.flatMap { Self.string($0["kind"]) }
    var targetInfo: TargetInfo?
    if let target, let name = Self.string(target["name"]), let kindText,
      let kind = TargetInfo.Kind(rawValue: kindText)
    {
      targetInfo = TargetInfo(
        name: name, kind: kind, address: Self.string(target["address"]), user: Self.string(target["user"]),
        port: Self.int(target["port"]), hostKey: Self.string(target["host_key"]))
      // An existing cluster's identity (`--kubeconfig`): its context and the server URL's hash.
      if let cluster = target["cluster"] as? [String: Any], let context = Self.string(cluster["context"]),
        let server = Self.string(cluster["server_sha256"])
      {
        targetInfo?.cluster = ExistingClusterIdentity(context: context, serverSHA256: server)
      }
    }
    self.init(
      schema: Self.string(root["schema"]), runID: Self.string(root["run_id"]), lab: Self.string(root["lab"]),
      target: targetInfo, targetKindText: kindText, startedAt: Self.string(root["started_at"]),
      finishedAt: Self.string(root["finished_at"]), labrunVersion: Self.string(root["labrun_version"]),
      parameters: Parameters((try? JSONDecoder().decode(ParametersField.self, from: data))?.parameters ?? [:])
    )
  }

  /// The run's calendar date (UTC) from `started_at`, as `YYYY-MM-DD`; never today's date.
  public var date: String? {
    guard let startedAt else { return nil }
    return Self.utcDate(of: startedAt)
  }

  /// `YYYY-MM-DD` (UTC) of an ISO 8601 timestamp, or `nil` when it is not one.
  public static func utcDate(of timestamp: String) -> String? {
    let parser = ISO8601DateFormatter()
    parser.formatOptions = [.withInternetDateTime]
    var parsed = parser.date(from: timestamp)
    if parsed == nil {
      parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
      parsed = parser.date(from: timestamp)
    }
    guard let parsed else { return nil }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let parts = calendar.dateComponents([.year, .month, .day], from: parsed)
    guard let year = parts.year, let month = parts.month, let day = parts.day else { return nil }
    return String(format: "%04d-%02d-%02d", year, month, day)
  }

  private static func string(_ value: Any?) -> String? {
    switch value {
    case let text as String: return text
    case let number as NSNumber: return number.stringValue
    default: return nil
    }
  }

  private static func int(_ value: Any?) -> Int? {
    switch value {
    case let text as String: return Int(text.trimmingCharacters(in: .whitespaces))
    case let number as NSNumber:
      let double = number.doubleValue
      guard double.rounded() == double, abs(double) < 1e15 else { return nil }
      return Int(double)
    default: return nil
    }
  }

  /// Just run.json's `parameters`, decoded as recorded values (a JSON object of any values).
  private struct ParametersField: Decodable {
    var parameters: [String: RecordedValue]?
  }
}
