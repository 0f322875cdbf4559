using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Reference;

/// <summary>
/// A data-driven test that compares ibuild with BuildKit through a dockerd of its own
/// (<see cref="DockerDaemon"/>). It runs as root when Debian's docker.io is installed
/// (scripts/deps.sh installs it in CI) and is reported as skipped, with the reason, otherwise.
/// </summary>
public sealed class DockerTheoryAttribute : TheoryAttribute
{
    public DockerTheoryAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "needs root to start dockerd (CI runs the tests as root)";
        }
        else if (!File.Exists(DockerDaemon.DockerdPath) || !File.Exists(DockerDaemon.DockerPath))
        {
            Skip = $"needs {DockerDaemon.DockerdPath} and {DockerDaemon.DockerPath} (apt-get install docker.io; scripts/deps.sh does)";
        }
    }
}
