using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace ImageBuilder.Core.Oci;

/// <summary>
/// The platform an image runs on: <c>os/architecture[/variant]</c>, plus the OS
/// version and features Windows images use. Written in the order of image-spec's Go type.
/// </summary>
public sealed record Platform : IOciDocument
{
    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    [JsonPropertyName("os")]
    public required string Os { get; init; }

    [JsonPropertyName("os.version")]
    public string? OsVersion { get; init; }

    [JsonPropertyName("os.features")]
    public IReadOnlyList<string>? OsFeatures { get; init; }

    [JsonPropertyName("variant")]
    public string? Variant { get; init; }

    /// <summary>The platform of the machine ibuild runs on (linux/arm64 carries variant v8, as BuildKit reports it).</summary>
    public static Platform Current { get; } = Detect();

    /// <summary>Reads <c>os/arch</c> or <c>os/arch/variant</c>, normalising common architecture aliases (x86_64, aarch64, …).</summary>
    public static Platform Parse(string text) =>
        TryParse(text, out var platform) ? platform : throw new FormatException($"invalid platform \"{text}\": expected os/arch[/variant]");

    public static bool TryParse(string? text, [NotNullWhen(true)] out Platform? platform)
    {
        platform = null;
        var parts = text?.Split('/') ?? [];
        if (parts.Length is < 2 or > 3 || parts.Any(part => part.Length == 0 || part.Any(char.IsWhiteSpace)))
        {
            return false;
        }

        var (architecture, variant) = NormalizeArchitecture(parts[1].ToLowerInvariant(), parts.Length == 3 ? parts[2].ToLowerInvariant() : null);
        platform = new Platform { Os = parts[0].ToLowerInvariant(), Architecture = architecture, Variant = variant };
        return true;
    }

    /// <summary><c>os/arch</c> or <c>os/arch/variant</c>.</summary>
    public override string ToString() =>
        string.IsNullOrEmpty(Variant) ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";

    void IOciDocument.Validate(string document, string path) => Validate(document, path);

    internal void Validate(string document, string path)
    {
        OciRules.Required(document, path + ".architecture", Architecture);
        OciRules.Required(document, path + ".os", Os);
    }

    private static (string Architecture, string? Variant) NormalizeArchitecture(string architecture, string? variant) =>
        architecture switch
        {
            "x86_64" or "x86-64" => ("amd64", variant),
            "aarch64" => ("arm64", variant),
            "i386" or "i686" => ("386", variant),
            "armhf" => ("arm", variant ?? "v7"),
            "armel" => ("arm", variant ?? "v6"),
            _ => (architecture, variant),
        };

    private static Platform Detect()
    {
        var os = OperatingSystem.IsLinux() ? "linux"
            : OperatingSystem.IsWindows() ? "windows"
            : OperatingSystem.IsMacOS() ? "darwin"
            : OperatingSystem.IsFreeBSD() ? "freebsd"
            : "unknown";
        var (architecture, variant) = RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => ("amd64", (string?)null),
            System.Runtime.InteropServices.Architecture.Arm64 => ("arm64", "v8"),
            System.Runtime.InteropServices.Architecture.Arm => ("arm", "v7"),
            System.Runtime.InteropServices.Architecture.Armv6 => ("arm", "v6"),
            System.Runtime.InteropServices.Architecture.X86 => ("386", null),
            System.Runtime.InteropServices.Architecture.S390x => ("s390x", null),
            System.Runtime.InteropServices.Architecture.Ppc64le => ("ppc64le", null),
            System.Runtime.InteropServices.Architecture.RiscV64 => ("riscv64", null),
            System.Runtime.InteropServices.Architecture.LoongArch64 => ("loong64", null),
            var other => (other.ToString().ToLowerInvariant(), null),
        };
        return new Platform { Os = os, Architecture = architecture, Variant = variant };
    }
}
