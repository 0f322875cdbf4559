using ImageBuilder.Dockerfile;

namespace ImageBuilder.Build.Engine;

/// <summary>The codes of the errors the build engine reports when a step fails (IB2xxx); docs/errors.md describes each one.</summary>
public static class BuildErrors
{
    /// <summary>A RUN step that exited with a non-zero code or was killed.</summary>
    public static ErrorCode RunFailed { get; } = new(2004);

    /// <summary>A COPY or ADD whose sources or destination do not work (missing file, not a directory, …).</summary>
    public static ErrorCode CopyFailed { get; } = new(2005);

    /// <summary>A USER, --chown or WORKDIR owner that the image's /etc/passwd or /etc/group does not know.</summary>
    public static ErrorCode UnknownUser { get; } = new(2007);

    /// <summary>The sandbox for a step could not be set up.</summary>
    public static ErrorCode StepSetupFailed { get; } = new(2008);

    /// <summary>
    /// A COPY or ADD source that ibuild refuses as unsafe or malformed: an archive entry or hard
    /// link that leads outside the destination or to nothing, a path longer than Linux allows, a
    /// symlink loop, a URL that redirects to a scheme other than http(s).
    /// </summary>
    public static ErrorCode SourceRefused { get; } = new(2010);

    /// <summary>A step whose layers overlayfs cannot stack: it would mount more than 500 lower layers, or add layer 501.</summary>
    public static ErrorCode TooManyLayers { get; } = new(2011);

    /// <summary>A RUN step's private network could not be started: its network stack (slirp4netns) is missing or failed.</summary>
    public static ErrorCode NetworkUnavailable { get; } = new(2012);
}
