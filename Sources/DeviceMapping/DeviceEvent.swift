import FHIRCore

/// One device message as the normalization stage sees it (SPEC §0 step 1): a JSON body plus the
/// broker's application and system properties.
public struct DeviceEvent: Sendable, Hashable {
    /// The message body; `null` when the message was empty.
    public var body: JSONValue
    public var properties: JSONObject
    public var systemProperties: JSONObject
    /// When the broker received the message; becomes each measurement's `ingestionTimeUtc`.
    public var enqueuedTime: FHIRInstant?

    public init(
        body: JSONValue, properties: JSONObject = JSONObject(), systemProperties: JSONObject = JSONObject(),
        enqueuedTime: FHIRInstant? = nil
    ) {
        self.body = body
        self.properties = properties
        self.systemProperties = systemProperties
        self.enqueuedTime = enqueuedTime
    }

    /// Reads an already-built envelope — an object with a `Body` and nothing but `Properties` and
    /// `SystemProperties` besides, as IoT Hub routes deliver it. The enqueued time comes from
    /// `SystemProperties.iothub-enqueuedtime` when that is a date-time. `nil` for other shapes.
    public init?(envelope: JSONValue) {
        guard case .object(let object) = envelope, object["Body"] != nil,
              object.keys.allSatisfy({ ["Body", "Properties", "SystemProperties"].contains($0) })
        else { return nil }
        let properties = object["Properties"]?.objectValue ?? JSONObject()
        let systemProperties = object["SystemProperties"]?.objectValue ?? JSONObject()
        let enqueued = systemProperties["iothub-enqueuedtime"]?.stringValue.flatMap(TimestampParser.instant)
        self.init(body: object["Body"] ?? .null, properties: properties, systemProperties: systemProperties,
                  enqueuedTime: enqueued)
    }

    /// The envelope templates are evaluated against: `{"Body", "Properties", "SystemProperties"}`.
    public var envelope: JSONObject {
        ["Body": body, "Properties": .object(properties), "SystemProperties": .object(systemProperties)]
    }
}
