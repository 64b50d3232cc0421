"""Answers: accepted answers on questions, votes on answers, the respond queue."""
