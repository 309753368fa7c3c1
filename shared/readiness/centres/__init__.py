"""Career centres: tenants and their keys, students' consent, and k-anonymous cohort aggregates.

A centre embeds the form with a publishable key, reads its cohort with a secret key, and sees a
student's individual results only while that student consents. Everything here is pure domain
code or behind the small repository interface in ``repository``; the DynamoDB implementation is
``readiness.centres.dynamodb``.
"""
