using Xunit;

namespace ImageBuilder.TestSupport;

/// <summary>
/// A test of ext2/3/4 behaviour (inode flags such as chattr's): it runs where the temporary
/// directory is on such a file system, as on the CI machine, and is reported as skipped otherwise.
/// </summary>
public sealed class Ext4FactAttribute : FactAttribute
{
    public Ext4FactAttribute()
    {
        var type = ExternalTool.Run("stat", "-f", "-c", "%t", System.IO.Path.GetTempPath()).Trim();
        if (type != "ef53")
        {
            Skip = $"the temporary directory's file system is not ext2/3/4 (statfs type 0x{type})";
        }
    }
}
