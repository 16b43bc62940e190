"""My activities: the planned steps assigned to a member, by when they are due."""
