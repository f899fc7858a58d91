"""
Migration: Add email domain
Date: 2024-02-10
Author: AI Agent
Issue: bd-dbmod.34
Purpose: Expand: a column for the domain of each user's email, written as an operation
Breaking-Changes: none (nullable column)
Rollback: safe; the column is dropped
Estimated-Time: < 1 second (metadata only)
"""
from shoring.operations import AddColumn

operations = [
    AddColumn("users", "email_domain", "varchar(255)"),
]
