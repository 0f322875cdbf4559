using System.Collections.Concurrent;
using System.Text.Json;

namespace ImageBuilder.Linux.Seccomp;

/// <summary>
/// A seccomp profile in Docker's format, and its compiled forms: <see cref="CompileFor"/> turns
/// it into the classic-BPF program the sandbox's init loads, for a capability set, this
/// machine's architecture and its kernel, once per process per capability set.
/// <see cref="DockerDefault"/> is moby's default profile, vendored (Seccomp/README.md).
/// </summary>
public sealed class SeccompProfile
{
    private static readonly Lazy<SeccompProfile> Default = new(() =>
    {
        using var stream = typeof(SeccompProfile).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new SeccompException($"the embedded resource {ResourceName} is missing");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.ToArray(), "Docker's default seccomp profile");
    });

    private readonly ConcurrentDictionary<ulong, Lazy<SeccompProgram>> programs = new();

    private SeccompProfile(SeccompProfileDocument document, string name, byte[] digest)
    {
        Document = document;
        Name = name;
        Digest = digest;
    }

    /// <summary>The name of the embedded copy of moby's <c>profiles/seccomp/default.json</c>.</summary>
    public const string ResourceName = "ImageBuilder.Linux.Seccomp.default.json";

    /// <summary>Docker's default profile, what every RUN step and <c>ibuild run</c> get.</summary>
    public static SeccompProfile DockerDefault => Default.Value;

    /// <summary>Where the profile came from, for messages.</summary>
    public string Name { get; }

    internal SeccompProfileDocument Document { get; }

    /// <summary>SHA-256 of the profile's JSON as read: what a compiled program on disk was compiled from.</summary>
    internal byte[] Digest { get; }

    /// <summary>Reads a profile in Docker's JSON format.</summary>
    public static SeccompProfile Parse(ReadOnlySpan<byte> json, string name)
    {
        SeccompProfileDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, SeccompProfileJson.Default.SeccompProfileDocument);
        }
        catch (JsonException e)
        {
            throw new SeccompException($"{name}: {e.Message}", e);
        }

        return document is null
            ? throw new SeccompException($"{name}: the profile is empty")
            : new SeccompProfile(document, name, Core.Hashing.Sha256.Hash(json));
    }

    /// <summary>
    /// The BPF program for a process with <paramref name="capabilities"/> (a mask of capability
    /// bits: its bounding set) on this machine; compiled on first use, then shared. With
    /// <paramref name="cacheDirectory"/>, a program compiled by an earlier process is read from
    /// there, and one compiled now is kept there (<see cref="SeccompProgramCache"/>).
    /// </summary>
    public SeccompProgram CompileFor(ulong capabilities, string? cacheDirectory = null) =>
        programs.GetOrAdd(capabilities, caps => new Lazy<SeccompProgram>(() => cacheDirectory is null
            ? SeccompCompiler.Compile(this, caps, SeccompTarget.Current)
            : new SeccompProgramCache(cacheDirectory).GetOrCompile(this, caps, SeccompTarget.Current))).Value;

    /// <summary>
    /// The rules that apply to <paramref name="capabilities"/> on <paramref name="target"/>, in
    /// the profile's order — Docker's reading of <c>includes</c> and <c>excludes</c>.
    /// </summary>
    internal IReadOnlyList<SeccompRule> RulesFor(ulong capabilities, SeccompTarget target) =>
        [.. Document.Syscalls.Where(rule => !IsExcluded(rule.Excludes, capabilities, target) && IsIncluded(rule.Includes, capabilities, target))];

    /// <summary>The architectures the filter covers: the native one and those the archMap lets it run.</summary>
    internal IReadOnlyList<string> ArchitecturesFor(SeccompTarget target)
    {
        if (Document.Architectures is { Count: > 0 } listed)
        {
            return listed;
        }

        var entry = Document.ArchMap?.FirstOrDefault(a => a.Architecture == target.SeccompArchitecture);
        return entry is null ? [target.SeccompArchitecture] : [entry.Architecture, .. entry.SubArchitectures ?? []];
    }

    // Any one condition of an exclude rules the rule out.
    private static bool IsExcluded(SeccompRuleCondition? excludes, ulong capabilities, SeccompTarget target) =>
        excludes is not null
        && ((excludes.Arches?.Contains(target.Architecture) ?? false)
            || (excludes.Caps?.Any(cap => CapabilityName.IsIn(cap, capabilities)) ?? false)
            || (excludes.MinKernel is { } version && target.Kernel >= MinimumKernel(version)));

    // Every condition of an include must hold.
    private static bool IsIncluded(SeccompRuleCondition? includes, ulong capabilities, SeccompTarget target) =>
        includes is null
        || ((includes.Arches is not { Count: > 0 } arches || arches.Contains(target.Architecture))
            && (includes.Caps?.All(cap => CapabilityName.IsIn(cap, capabilities)) ?? true)
            && (includes.MinKernel is not { } version || target.Kernel >= MinimumKernel(version)));

    private static Version MinimumKernel(string version) =>
        Version.TryParse(version, out var parsed) && parsed.Build < 0
            ? parsed
            : throw new SeccompException($"minKernel \"{version}\" is not <major>.<minor>");
}
