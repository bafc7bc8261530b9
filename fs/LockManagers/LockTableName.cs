namespace ClusterFs.Fs.LockManagers;

/// <summary>Validation of lock table names "cluster:fsname" (gfs2's lock table, as written by mkfs).</summary>
public static class LockTableName
{
    /// <summary>True when <paramref name="lockTable"/> is "cluster:fsname" with both parts 1-32 characters of
    /// letters, digits, '-' and '_'.</summary>
    public static bool IsValid(string? lockTable)
    {
        if (string.IsNullOrEmpty(lockTable))
            return false;
        int colon = lockTable.IndexOf(':');
        if (colon <= 0 || colon != lockTable.LastIndexOf(':'))
            return false;
        return IsPart(lockTable.AsSpan(0, colon)) && IsPart(lockTable.AsSpan(colon + 1));
    }

    private static bool IsPart(ReadOnlySpan<char> part)
    {
        if (part.Length is 0 or > 32)
            return false;
        foreach (char c in part)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
                return false;
        }
        return true;
    }
}
