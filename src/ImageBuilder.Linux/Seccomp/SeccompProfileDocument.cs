using System.Text.Json.Serialization;

namespace ImageBuilder.Linux.Seccomp;

/// <summary>
/// A seccomp profile in Docker's JSON format (moby/profiles <c>seccomp/default.json</c>): the
/// OCI runtime spec's <c>linux.seccomp</c> plus Docker's conditions on each rule
/// (<c>includes</c>/<c>excludes</c> by capability, architecture and kernel version) and an
/// <c>archMap</c> from a native architecture to the ones it also runs (x86_64: x86 and x32).
/// </summary>
internal sealed record SeccompProfileDocument
{
    public required string DefaultAction { get; init; }

    public uint? DefaultErrnoRet { get; init; }

    public IReadOnlyList<SeccompArchitectureEntry>? ArchMap { get; init; }

    /// <summary>The OCI form: architectures listed outright, without an archMap.</summary>
    public IReadOnlyList<string>? Architectures { get; init; }

    public required IReadOnlyList<SeccompRule> Syscalls { get; init; }
}

/// <summary>A native architecture (<c>SCMP_ARCH_X86_64</c>) and those its processes may also use.</summary>
internal sealed record SeccompArchitectureEntry
{
    public required string Architecture { get; init; }

    public IReadOnlyList<string>? SubArchitectures { get; init; }
}

/// <summary>
/// One rule: what happens to the named syscalls (when every argument condition holds), and
/// when the rule applies at all.
/// </summary>
internal sealed record SeccompRule
{
    public IReadOnlyList<string>? Names { get; init; }

    /// <summary>The old single-name form.</summary>
    public string? Name { get; init; }

    public required string Action { get; init; }

    public uint? ErrnoRet { get; init; }

    public IReadOnlyList<SeccompArgumentCondition>? Args { get; init; }

    public SeccompRuleCondition? Includes { get; init; }

    public SeccompRuleCondition? Excludes { get; init; }

    public string? Comment { get; init; }

    [JsonIgnore]
    public IReadOnlyList<string> AllNames => Names ?? (Name is null ? [] : [Name]);
}

/// <summary>
/// A comparison of one syscall argument: <c>args[Index] Op Value</c>; for
/// <c>SCMP_CMP_MASKED_EQ</c>, <c>(args[Index] &amp; Value) == ValueTwo</c>.
/// </summary>
internal sealed record SeccompArgumentCondition
{
    public required uint Index { get; init; }

    public ulong Value { get; init; }

    public ulong ValueTwo { get; init; }

    public required string Op { get; init; }
}

/// <summary>
/// Docker's condition on a rule. In <c>includes</c> every capability listed must be in the
/// step's set, the native architecture must be listed, the kernel at least <c>minKernel</c>;
/// in <c>excludes</c> any one of them rules the rule out.
/// </summary>
internal sealed record SeccompRuleCondition
{
    public IReadOnlyList<string>? Caps { get; init; }

    public IReadOnlyList<string>? Arches { get; init; }

    /// <summary>"&lt;major&gt;.&lt;minor&gt;", e.g. "4.8".</summary>
    public string? MinKernel { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(SeccompProfileDocument))]
internal sealed partial class SeccompProfileJson : JsonSerializerContext;
