using System.Reflection;
using Portal.Web.Accounts;

namespace Portal.UnitTests;

/// <summary>The audit page filters by <see cref="AuditActions.All"/>: an action added as a constant but not to the list could never be filtered for.</summary>
public sealed class AuditActionsTests
{
    [Fact]
    public void All_ListsEveryAuditedAction_Once()
    {
        var constants = typeof(AuditActions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal);

        Assert.Equal(constants, AuditActions.All.Order(StringComparer.Ordinal));
    }
}
