namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>One Dockerfile instruction, typed. Every record carries where it was written.</summary>
public abstract record Instruction
{
    /// <summary>The instruction keyword, upper-case (<c>RUN</c>).</summary>
    public abstract string Keyword { get; }

    public SourceSpan Span { get; init; }

    /// <summary>The logical line as written (continuations joined).</summary>
    public string Original { get; init; } = "";
}

/// <summary>A name and value from ENV or LABEL; <see cref="Legacy"/> for the <c>ENV k v</c> form.</summary>
public sealed record KeyValue(string Key, string Value, bool Legacy = false);

/// <summary>A command: exec form (<see cref="PrependShell"/> false) or one shell-form string.</summary>
public sealed record CommandLine(IReadOnlyList<string> Arguments, bool PrependShell);

/// <summary>A heredoc attached to RUN (a file the shell reads) or COPY/ADD (file contents).</summary>
public sealed record HeredocFile(string Name, string Data, bool Expand, bool Chomp, int FileDescriptor);

/// <summary>The sources and destination of COPY and ADD.</summary>
public sealed record SourcesAndDest(IReadOnlyList<string> SourcePaths, IReadOnlyList<HeredocFile> SourceContents, string DestPath);

public sealed record FromInstruction(string Image, string? StageName, string? Platform) : Instruction
{
    public override string Keyword => "FROM";

    /// <summary>
    /// The stage's description: the comment line above FROM that starts with the stage's name
    /// (<c># build compiles the app</c>), without the name, as BuildKit's DocComment; null when none.
    /// </summary>
    public string? Description { get; init; }
}

public sealed record RunInstruction(
    CommandLine Command,
    IReadOnlyList<string> Mounts,
    string? Network,
    string? Security,
    IReadOnlyList<HeredocFile> Files) : Instruction
{
    public override string Keyword => "RUN";
}

public sealed record CmdInstruction(CommandLine Command) : Instruction
{
    public override string Keyword => "CMD";
}

public sealed record EntrypointInstruction(CommandLine Command) : Instruction
{
    public override string Keyword => "ENTRYPOINT";
}

public sealed record CopyInstruction(
    SourcesAndDest Paths,
    string? From,
    string? Chown,
    string? Chmod,
    bool Link,
    bool Parents,
    IReadOnlyList<string> Excludes) : Instruction
{
    public override string Keyword => "COPY";
}

public sealed record AddInstruction(
    SourcesAndDest Paths,
    string? Chown,
    string? Chmod,
    bool Link,
    bool KeepGitDir,
    string? Checksum,
    bool? Unpack,
    IReadOnlyList<string> Excludes) : Instruction
{
    public override string Keyword => "ADD";
}

public sealed record EnvInstruction(IReadOnlyList<KeyValue> Variables) : Instruction
{
    public override string Keyword => "ENV";
}

public sealed record LabelInstruction(IReadOnlyList<KeyValue> Labels) : Instruction
{
    public override string Keyword => "LABEL";
}

/// <summary>One ARG name with its default, if any (<c>ARG a</c> has none; <c>ARG a=</c> has "").</summary>
public sealed record ArgDeclaration(string Name, string? DefaultValue)
{
    /// <summary>
    /// The description: the comment line above the ARG that starts with this name
    /// (<c># VERSION the release to fetch</c>), without the name, as BuildKit's DocComment; null when none.
    /// </summary>
    public string? Description { get; init; }
}

public sealed record ArgInstruction(IReadOnlyList<ArgDeclaration> Args) : Instruction
{
    public override string Keyword => "ARG";
}

public sealed record ExposeInstruction(IReadOnlyList<string> Ports) : Instruction
{
    public override string Keyword => "EXPOSE";
}

public sealed record VolumeInstruction(IReadOnlyList<string> Volumes) : Instruction
{
    public override string Keyword => "VOLUME";
}

public sealed record UserInstruction(string User) : Instruction
{
    public override string Keyword => "USER";
}

public sealed record WorkdirInstruction(string Path) : Instruction
{
    public override string Keyword => "WORKDIR";
}

public sealed record StopSignalInstruction(string Signal) : Instruction
{
    public override string Keyword => "STOPSIGNAL";
}

public sealed record MaintainerInstruction(string Maintainer) : Instruction
{
    public override string Keyword => "MAINTAINER";
}

public sealed record ShellInstruction(IReadOnlyList<string> Shell) : Instruction
{
    public override string Keyword => "SHELL";
}

/// <summary>
/// HEALTHCHECK: <see cref="Test"/> is <c>["NONE"]</c>, <c>["CMD", args…]</c> or
/// <c>["CMD-SHELL", command]</c>, as in the image config. Unset options are null.
/// </summary>
public sealed record HealthConfig(
    IReadOnlyList<string> Test,
    TimeSpan? Interval,
    TimeSpan? Timeout,
    TimeSpan? StartPeriod,
    TimeSpan? StartInterval,
    int? Retries);

public sealed record HealthcheckInstruction(HealthConfig Health) : Instruction
{
    public override string Keyword => "HEALTHCHECK";
}

/// <summary>
/// ONBUILD: the trigger as written, which goes into the image config, and its keyword.
/// The trigger is parsed when it fires (in a build FROM the image), as BuildKit does.
/// </summary>
public sealed record OnbuildInstruction(string Expression, string TriggerKeyword) : Instruction
{
    public override string Keyword => "ONBUILD";
}
