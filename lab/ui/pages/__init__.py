"""The app's pages: each reads like a description of what the user sees."""
