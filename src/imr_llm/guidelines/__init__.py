"""(package; public names re-exported here)"""
