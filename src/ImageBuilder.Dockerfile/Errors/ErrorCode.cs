namespace ImageBuilder.Dockerfile;

/// <summary>
/// Stable codes for every kind of user error the front end reports.
/// The numbers never change meaning; docs/errors.md describes each one.
/// </summary>
public enum ErrorCode
{
    /// <summary>An instruction has the wrong number of arguments.</summary>
    ArgumentCount = 1001,
    /// <summary>The instruction keyword is not a Dockerfile instruction.</summary>
    UnknownInstruction = 1002,
    /// <summary>An instruction flag the instruction does not accept.</summary>
    UnknownFlag = 1003,
    /// <summary>A flag with a value it cannot take, or given twice.</summary>
    InvalidFlagValue = 1004,
    /// <summary>Exec form JSON that is not an array of strings.</summary>
    InvalidJson = 1005,
    /// <summary>A heredoc whose terminator never appears.</summary>
    UnterminatedHeredoc = 1006,
    /// <summary>A malformed heredoc marker, or a heredoc where none is allowed.</summary>
    InvalidHeredoc = 1007,
    /// <summary>A parser directive that is invalid or repeated.</summary>
    InvalidDirective = 1008,
    /// <summary>The file holds no instruction.</summary>
    NoInstructions = 1009,
    /// <summary>An instruction that ONBUILD cannot wrap.</summary>
    InvalidOnbuild = 1010,
    /// <summary>A stage name that breaks the naming rules or is used twice.</summary>
    InvalidStageName = 1011,
    /// <summary>An instruction other than ARG before the first FROM.</summary>
    NoFromInstruction = 1012,
    /// <summary>Variable expansion failed (bad substitution, ${v:?message}, unterminated quote).</summary>
    Expansion = 1013,
    /// <summary>A HEALTHCHECK option or duration that is not valid.</summary>
    InvalidHealthcheck = 1014,
    /// <summary>An EXPOSE port or protocol that is not valid.</summary>
    InvalidPort = 1015,
    /// <summary>A name=value list that is malformed (ENV, LABEL, ARG).</summary>
    InvalidKeyValue = 1016,
    /// <summary>A .dockerignore pattern that is not valid.</summary>
    InvalidIgnorePattern = 1017,
    /// <summary>A file the command needs cannot be read.</summary>
    FileAccess = 1018,
    /// <summary>An instruction argument that is not valid for the instruction (e.g. STOPSIGNAL).</summary>
    InvalidArgument = 1019,
    /// <summary>A Dockerfile larger than ibuild reads (<see cref="Sources.DockerfileSource.MaxBytes"/>).</summary>
    FileTooLarge = 1020,

    // Build errors (IB2xxx): the Dockerfile is valid, but building it fails.

    /// <summary>A stage named by --target, FROM or --from that the Dockerfile does not define, or a cycle of stages.</summary>
    UnknownStage = 2001,
    /// <summary>A base image (or --from image) that is not in the store.</summary>
    ImageNotFound = 2002,
    /// <summary>A platform other than the one ibuild runs on.</summary>
    UnsupportedPlatform = 2003,
    /// <summary>A RUN step that exited with a non-zero code or was killed.</summary>
    RunFailed = 2004,
    /// <summary>A COPY or ADD whose sources or destination do not work (missing file, not a directory, …).</summary>
    CopyFailed = 2005,
    /// <summary>A feature of the Dockerfile language that ibuild does not implement yet.</summary>
    NotImplemented = 2006,
    /// <summary>A USER, --chown or WORKDIR owner that the image's /etc/passwd or /etc/group does not know.</summary>
    UnknownUser = 2007,
    /// <summary>The sandbox for a step could not be set up.</summary>
    StepSetupFailed = 2008,
    /// <summary>An instruction needs an entitlement the build was not given (<c>RUN --network=host</c> without <c>--allow network.host</c>).</summary>
    EntitlementRequired = 2009,
    /// <summary>
    /// A COPY or ADD source that ibuild refuses as unsafe or malformed: an archive entry or hard
    /// link that leads outside the destination or to nothing, a path longer than Linux allows, a
    /// symlink loop, a URL that redirects to a scheme other than http(s).
    /// </summary>
    SourceRefused = 2010,
    /// <summary>A step whose layers overlayfs cannot stack: it would mount more than 500 lower layers, or add layer 501.</summary>
    TooManyLayers = 2011,
}

public static class ErrorCodeExtensions
{
    /// <summary>The code as printed: IB1001.</summary>
    public static string Id(this ErrorCode code) => $"IB{(int)code}";
}
