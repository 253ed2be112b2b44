"""The fault suite (`make chaos`): a production-like stack it starts itself, faults, a table.

stack.py starts the servers (a throwaway PostgreSQL and Redis, gunicorn, a
Celery worker and beat, the fake OpenAI), load.py is the client side and
scenarios.py the faults and their targets. docs/operations.md ("Fault suite")
explains how to read the table.
"""
