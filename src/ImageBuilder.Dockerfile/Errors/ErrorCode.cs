namespace ImageBuilder.Dockerfile;

/// <summary>
/// A stable code for one kind of user error, printed as <c>IB</c> and its number (<see cref="Id"/>).
/// Each layer defines the codes it reports: the front end its own here (IB1xxx), with the plan-time
/// build errors the planner reports (IB2001–IB2003, IB2006, IB2009); the build engine its own in
/// <c>ImageBuilder.Build.Engine.BuildErrors</c>. The numbers never change meaning; docs/errors.md describes each one.
/// </summary>
public readonly record struct ErrorCode(int Number)
{
    /// <summary>An instruction has the wrong number of arguments.</summary>
    public static ErrorCode ArgumentCount { get; } = new(1001);

    /// <summary>The instruction keyword is not a Dockerfile instruction.</summary>
    public static ErrorCode UnknownInstruction { get; } = new(1002);

    /// <summary>An instruction flag the instruction does not accept.</summary>
    public static ErrorCode UnknownFlag { get; } = new(1003);

    /// <summary>A flag with a value it cannot take, or given twice.</summary>
    public static ErrorCode InvalidFlagValue { get; } = new(1004);

    /// <summary>Exec form JSON that is not an array of strings.</summary>
    public static ErrorCode InvalidJson { get; } = new(1005);

    /// <summary>A heredoc whose terminator never appears.</summary>
    public static ErrorCode UnterminatedHeredoc { get; } = new(1006);

    /// <summary>A malformed heredoc marker, or a heredoc where none is allowed.</summary>
    public static ErrorCode InvalidHeredoc { get; } = new(1007);

    /// <summary>A parser directive that is invalid or repeated.</summary>
    public static ErrorCode InvalidDirective { get; } = new(1008);

    /// <summary>The file holds no instruction.</summary>
    public static ErrorCode NoInstructions { get; } = new(1009);

    /// <summary>An instruction that ONBUILD cannot wrap.</summary>
    public static ErrorCode InvalidOnbuild { get; } = new(1010);

    /// <summary>A stage name that breaks the naming rules or is used twice.</summary>
    public static ErrorCode InvalidStageName { get; } = new(1011);

    /// <summary>An instruction other than ARG before the first FROM.</summary>
    public static ErrorCode NoFromInstruction { get; } = new(1012);

    /// <summary>Variable expansion failed (bad substitution, ${v:?message}, unterminated quote).</summary>
    public static ErrorCode Expansion { get; } = new(1013);

    /// <summary>A HEALTHCHECK option or duration that is not valid.</summary>
    public static ErrorCode InvalidHealthcheck { get; } = new(1014);

    /// <summary>An EXPOSE port or protocol that is not valid.</summary>
    public static ErrorCode InvalidPort { get; } = new(1015);

    /// <summary>A name=value list that is malformed (ENV, LABEL, ARG).</summary>
    public static ErrorCode InvalidKeyValue { get; } = new(1016);

    /// <summary>A .dockerignore pattern that is not valid.</summary>
    public static ErrorCode InvalidIgnorePattern { get; } = new(1017);

    /// <summary>A file the command needs cannot be read.</summary>
    public static ErrorCode FileAccess { get; } = new(1018);

    /// <summary>An instruction argument that is not valid for the instruction (e.g. STOPSIGNAL).</summary>
    public static ErrorCode InvalidArgument { get; } = new(1019);

    /// <summary>A Dockerfile larger than ibuild reads (<see cref="Sources.DockerfileSource.MaxBytes"/>).</summary>
    public static ErrorCode FileTooLarge { get; } = new(1020);

    // Build errors (IB2xxx) the planner reports: the Dockerfile is valid, but it cannot be built as asked.

    /// <summary>A stage named by --target, FROM or --from that the Dockerfile does not define, or a cycle of stages.</summary>
    public static ErrorCode UnknownStage { get; } = new(2001);

    /// <summary>A base image (or --from image) that is not in the store.</summary>
    public static ErrorCode ImageNotFound { get; } = new(2002);

    /// <summary>A platform other than the one ibuild runs on.</summary>
    public static ErrorCode UnsupportedPlatform { get; } = new(2003);

    /// <summary>A feature of the Dockerfile language that ibuild does not implement yet.</summary>
    public static ErrorCode NotImplemented { get; } = new(2006);

    /// <summary>An instruction needs an entitlement the build was not given (<c>RUN --network=host</c> without <c>--allow network.host</c>).</summary>
    public static ErrorCode EntitlementRequired { get; } = new(2009);

    /// <summary>The code as printed: IB1001.</summary>
    public string Id() => $"IB{Number}";

    public override string ToString() => Id();
}
